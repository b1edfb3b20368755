"""Identity matching: which student of one platform is which student of another.

The CSDL is the authority for identity (it issues the Mã định danh), so its students are the
anchors; another platform's students are linked to them by, in order: the ministry ID, the
personal ID (CCCD), then a score over folded name, date of birth (a swapped day/month still
counts, a date one day off counts a little), class and gender. Above `LINK`, and clear of the
next candidate by `MARGIN`, a student is linked; otherwise from `DOUBT` up a person must decide
(an identity doubt); two students of one platform are never linked to one anchor silently — the
weaker, or both when they cannot be told apart, become duplicates. A wrong link is worse than a
missed one.

A link that rests on a tolerated difference becomes a doubt when the difference can equally be
two children, because the true counterpart may simply be absent from the other platform:

- given names one letter apart that are both real names (Hùng/Dũng: twins, each on one
  platform) — a slip that makes a non-name (Hùg) or only changes diacritics (Hưng/Hùng) links;
- a birth date with day and month swapped, when the records show a second child: another record
  of the same platform holds the anchor's own date (a namesake classmate beside her), or the two
  records carry different IDs. A swap and nothing else is the typing slip it usually is;
- a birth date one day off scores below `LINK`, so with a name variation it is a doubt, never a
  silent "not on the other platform".

Candidates come from blocks, never from a scan of the whole grade: the arithmetic of `score`
bounds which anchors can reach `DOUBT` (see `_Blocks`), so the blocks give the same result as
the full scan at a cost that grows with the population, not with its square.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lienthong.mapping.normalize import fold, name_key

# rapidfuzz, bound on first use (`_load_fuzzy`): a reconciliation that links nobody anew (an
# incremental run after a sync of scores) never scores a name, and its start is what people wait for
fuzz: Any = None
OSA: Any = None


def _load_fuzzy() -> None:
    global fuzz, OSA
    if fuzz is None:
        from rapidfuzz import fuzz as loaded
        from rapidfuzz.distance import OSA as distance

        fuzz, OSA = loaded, distance


LINK = 0.90
DOUBT = 0.70
MARGIN = 0.15  # the best candidate must beat the next by this much to be linked without a person
WEIGHTS = {"name": 0.55, "birth": 0.30, "class": 0.10, "gender": 0.05}
SWAPPED = 0.8  # day and month swapped: a classic typing slip
ONE_DAY = 0.5  # one day off: a slip too, but never enough for a link (1 - 0.30 * 0.5 < LINK)

SAME = "nhiều học sinh giống nhau"
LOW = "điểm giống thấp"
OFF_BY_ONE_DAY = "ngày sinh lệch một ngày"
OTHER_NAME = "hai tên chỉ khác một chữ cái: có thể là hai học sinh"
SWAPPED_DATE = "ngày và tháng sinh đảo nhau: có thể là hai học sinh"

# Common Vietnamese given names, folded: a one-letter difference between two of these is
# another child as likely as a slip. A slip that makes no name (Khánh → Kháhn, as typing does, and
# at a province's size the same slip recurs) is no evidence of a second child.
GIVEN_NAMES = frozenset(
    """
    an anh ba bach bang bao bich binh ca cam can canh chau chi chien chinh cong cuc cuong dai
    dan dang danh dao dat diem diep dieu dinh doan dong du duc dung duong duy duyen gam gia giang
    giao ha hai han hang hanh hao hau hien hieu hoa hoai hoan hoang hoi hong hop hue huong hung
    huu huy huyen kha khai khang khanh khiem khoa khoe khoi khue kien kiet kim ky lam lan lap le
    lien linh loan loc loi long luan luc luong ly mai man manh mien minh my na nam nga ngan nghi
    nghia ngoc nguyen nha nhan nhat nhi nhien nho nhu nhung ninh oanh phat phi phong phu phuc phung
    phuong quan quang que quoc quy quyen quynh sa sang sinh son suong ta tai tam tan tang thach thai
    tham than thang thanh thao the thi thien thinh tho thoa thong thu thuan thuc thuong thuy thy
    tien tin tinh to toan trang tram tran tri trieu trinh trong truc trung truong tu tuan tue tung
    tuong tuyen tuyet uyen van vi viet vinh vu vuong vy xuan y yen
    """.split()
)

# `match` folds each name once per run (`_Names`): through the shared cache, a province's names
# would only push out the headers' and codes' folds it holds.
_fold = getattr(fold, "__wrapped__", fold)


@dataclass(frozen=True, slots=True)
class Person:
    """What matching compares, from any platform."""

    source: str
    key: str
    full_name: str
    birth_date: date | None
    class_code: str | None
    gender: str | None  # "1" Nam, "2" Nữ
    ministry_id: str | None = None
    personal_id: str | None = None

    @property
    def grade(self) -> str:
        return (self.class_code or "?")[:1]


@dataclass(frozen=True)
class Link:
    key: str  # the other platform's key
    anchor: str  # the CSDL's Mã định danh
    method: str  # ministry_id | personal_id | scored
    score: float = 1.0


@dataclass(frozen=True)
class Doubt:
    key: str
    candidates: tuple[tuple[str, float], ...]  # (anchor, score), best first
    reason: str


@dataclass
class MatchResult:
    links: dict[str, Link] = field(default_factory=dict)
    doubts: list[Doubt] = field(default_factory=list)
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (key, anchor, key already linked)
    unmatched: list[str] = field(default_factory=list)  # no anchor at all (e.g. not in the CSDL yet)


# --- the score ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Name:
    """A name as the score reads it: its key (tone placement folded) and its folded family and
    given words (what `_Blocks` indexes)."""

    key: str
    family: str
    given: str


def _name(full_name: str, folding=_fold) -> _Name:
    words = folding(full_name).split() or [""]
    return _Name(name_key(full_name), words[0], words[-1])


def _swap(day: date) -> date | None:
    """The date with day and month swapped, when that reads as a date (25/03 has no 03/25)."""
    return day.replace(day=day.month, month=day.day) if day.day <= 12 else None


def _birth(a: date | None, b: date | None) -> float:
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return SWAPPED
    if abs((a - b).days) == 1:
        return ONE_DAY
    return 0.0


def score(a: Person, b: Person) -> float:
    """0…1: how sure we are that ``a`` and ``b`` are the same student."""
    _load_fuzzy()
    return _score(a, b, _name_score(_name(a.full_name, fold), _name(b.full_name, fold)))  # one pair: the shared cache


class Scorer:
    """`score` for many pairs, each name folded once however often it is scored (`_Names`): one
    child against a whole grade, as a teacher's row no class holds is (`owner_links`)."""

    def __init__(self) -> None:
        _load_fuzzy()
        self.names = _Names()

    def __call__(self, a: Person, b: Person) -> float:
        names = self.names
        return _score(a, b, _name_score(names(a.full_name), names(b.full_name)))


def _name_score(a: _Name, b: _Name) -> float:
    if a.key == b.key:
        return 1.0
    name = max(fuzz.ratio(a.key, b.key), fuzz.token_set_ratio(a.key, b.key) - 5) / 100  # dropped middle name
    if OSA.distance(a.given, b.given) > 1 or OSA.distance(a.family, b.family) > 1:
        name /= 4  # another given or family name (My/Phúc, Trần/Bùi) is another child; a slip changes one letter
    return name


def _score(a: Person, b: Person, name: float) -> float:
    # What one side does not show (vnEdu's exports carry no gender) is no evidence either way:
    # the remaining weights are scaled up rather than counting the gap as a difference. The sums
    # run in the order name, birth, class, gender: the rounding of four decimals depends on it.
    w_name, w_birth, w_class, w_gender = WEIGHTS["name"], WEIGHTS["birth"], WEIGHTS["class"], WEIGHTS["gender"]
    total, weight = w_name * name, w_name
    if a.birth_date is not None and b.birth_date is not None:
        total += w_birth * _birth(a.birth_date, b.birth_date)
        weight += w_birth
    class_a, class_b = a.class_code, b.class_code
    same = 1.0 if class_a == class_b else 0.5 if (class_a or "?")[:1] == (class_b or "?")[:1] else 0.0
    total += w_class * same
    weight += w_class
    if a.gender and b.gender:
        total += w_gender * (1.0 if a.gender == b.gender else 0.0)
        weight += w_gender
    return round(total / weight, 4)


# --- candidates ----------------------------------------------------------------------------------


_DAY = timedelta(days=1)


def _variants(word: str) -> set[str]:
    """The word and each of it less one letter: two words at most one substitution, insertion,
    deletion or swap of neighbours apart always share one of these (symmetric deletion)."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


class _Blocks:
    """The anchors a student could score at least `DOUBT` against, from indexes rather than a scan.

    Why these are all of them (`_score`): a given or family name more than one letter off quarters
    the name, and no score then reaches `DOUBT` (0.55 / 4 + 0.30 + 0.10 + 0.05 < 0.70). With a
    birth date on both sides, a date neither equal, swapped nor one day off leaves at most
    0.55 + 0.10 + 0.05 = 0.70: the very same name key, class and gender (`named`). So the anchors
    of a grade are looked up by birth date (the day, its swap, the days either side, and none) then
    by a given name at most one letter off; records without a birth date are few and looked up by
    given name over the grade. Family names are compared (as numbers) before scoring.

    Days are the first level and given names the second, each a small table: at a province's size,
    one large table costs a trip to memory for every name looked up."""

    def __init__(self, anchors: list[Person], names: _Names) -> None:
        _load_fuzzy()
        self.rows = [(anchor, names(anchor.full_name)) for anchor in anchors]
        self.grades: dict[str, int] = {}
        self.givens: dict[str, int] = {}
        self.families: dict[str, int] = {}
        self.family: list[int] = []  # row → its family name
        self.exact: dict[tuple, list[tuple[Person, _Name]]] = defaultdict(list)  # (name key, birth, class) → rows
        days: dict[tuple, dict[int, list[int]]] = {}  # (grade, birth day's ordinal or 0) → given name → rows
        for i, (anchor, name) in enumerate(self.rows):
            grade = self.grades.setdefault(anchor.grade, len(self.grades))
            given = self.givens.setdefault(name.given, len(self.givens))
            self.family.append(self.families.setdefault(name.family, len(self.families)))
            day = days.get((grade, anchor.birth_date.toordinal() if anchor.birth_date else 0))
            if day is None:
                day = days[grade, anchor.birth_date.toordinal() if anchor.birth_date else 0] = {}
            day.setdefault(given, []).append(i)
            self.exact[name.key, anchor.birth_date, anchor.class_code].append((anchor, name))
        # grade → birth day's ordinal → given name → rows; the undated apart
        self.by_day: list[dict[int, dict[int, list[int]]]] = [{} for _ in self.grades]
        for (grade, day), index in days.items():
            self.by_day[grade][day] = index
        self.undated = [by_day.pop(0, None) for by_day in self.by_day]
        self.by_key: dict[tuple, list[int]] | None = None  # (class, name key) → rows: see `named`
        self.by_given: dict[tuple[int, int], list[int]] | None = None  # (grade, given name) → rows: see `of`
        self.alike: dict[tuple[str, bool], frozenset[int]] = {}  # (name, given?) → the anchors' one letter off
        self.variants: dict[tuple[str, bool], list[str]] = defaultdict(list)  # (variant, given?) → names
        for words, given in ((self.givens, True), (self.families, False)):
            for word in words:
                for variant in _variants(word):
                    self.variants[variant, given].append(word)

    def of(self, person: Person, name: _Name) -> list[tuple[Person, _Name]]:
        """The anchors ``person`` may score more than `DOUBT` against (and a few that may not)."""
        grade = self.grades.get(person.grade)
        if grade is None:
            return []
        givens = self._alike(name.given, True)
        born = person.birth_date
        if born is None:  # nothing to block on but the name: the grade's every day
            if self.by_given is None:
                self.by_given = defaultdict(list)
                for i, (anchor, theirs) in enumerate(self.rows):
                    self.by_given[self.grades[anchor.grade], self.givens[theirs.given]].append(i)
            found = [i for given in givens for i in self.by_given.get((grade, given), ())]
        else:
            found = []
            by_day, day = self.by_day[grade], born.toordinal()
            indexes = [by_day.get(day - 1), by_day.get(day), by_day.get(day + 1), self.undated[grade]]
            if (swapped := _swap(born)) is not None and swapped != born:
                indexes.append(by_day.get(swapped.toordinal()))
            for index in indexes:
                if index is not None:
                    for given in givens:
                        found += index.get(given, ())
        families, family, rows = self._alike(name.family, False), self.family, self.rows
        return [rows[i] for i in found if family[i] in families]

    def named(self, person: Person, name: _Name) -> list[tuple[Person, _Name]]:
        """The anchors of the same class and name born another day than `of` looks at: they score
        0.70 at most, so they only count where a student is not linked (looked up only then)."""
        born = person.birth_date
        if born is None:
            return []  # `of` took the grade's every day
        if self.by_key is None:
            self.by_key = defaultdict(list)
            for i, (anchor, theirs) in enumerate(self.rows):
                self.by_key[anchor.class_code, theirs.key].append(i)
        days = {born, born - _DAY, born + _DAY, _swap(born), None}
        rows = self.rows
        return [
            rows[i] for i in self.by_key.get((person.class_code, name.key), ()) if rows[i][0].birth_date not in days
        ]

    def _alike(self, word: str, given: bool) -> frozenset[int]:
        """The anchors' given (or family) names at most one letter off ``word``."""
        found = self.alike.get((word, given))
        if found is None:
            ids = self.givens if given else self.families
            near = {other for variant in _variants(word) for other in self.variants.get((variant, given), ())}
            found = self.alike[word, given] = frozenset(
                ids[other] for other in near if OSA.distance(word, other, score_cutoff=1) <= 1
            )
        return found


class _Names(dict):
    """Names as the score reads them, each folded once for the run: a memo as large as the two
    lists and gone with them, rather than a shared cache that overflows at a province's size."""

    def __call__(self, full_name: str) -> _Name:
        found = self.get(full_name)
        if found is None:
            found = self[full_name] = _name(full_name)
        return found


# --- matching ------------------------------------------------------------------------------------


def match(anchors: list[Person], others: list[Person]) -> MatchResult:
    """Link every student of ``others`` to an anchor, or say why not.

    Stronger evidence goes first (all ministry-ID links, then personal-ID links, then scores),
    so a copy that shares only a personal ID can never take the place of the real record.
    """
    # What matching builds holds no cycles, but a collection it triggers walks the caller's whole
    # heap (a school's score sheets): at 20,000 students that costs five times the matching.
    _load_fuzzy()
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _match(anchors, others)
    finally:
        if collecting:
            gc.enable()


def _match(anchors: list[Person], others: list[Person]) -> MatchResult:
    result = MatchResult()
    taken: dict[str, str] = {}
    pending = sorted(others, key=lambda p: p.key)
    for method, field_name in (("ministry_id", "ministry_id"), ("personal_id", "personal_id")):
        index = {getattr(a, field_name): a for a in anchors if getattr(a, field_name)}
        rest = []
        for person in pending:
            anchor = index.get(getattr(person, field_name) or "")
            if anchor is None:
                rest.append(person)
            else:
                _take(result, taken, Link(person.key, anchor.key, method), person.key)
        pending = rest
    if pending:
        # in the order given, not by key: records are laid out in memory in that order, and at a
        # province's size reading them out of order costs more than scoring them
        left = {id(p) for p in pending}
        _Scoring(anchors, others, result, taken).run([p for p in others if id(p) in left])
    return result


class _Scoring:
    """The scored part of `match`: candidates from `_Blocks`, names folded once for the run.

    A candidate is ``(score, anchor key, anchor, its name)``; keys are unique, so sorting never
    compares further than the key."""

    def __init__(self, anchors: list[Person], others: list[Person], result: MatchResult, taken: dict[str, str]):
        self.result, self.taken = result, taken
        self.names = _Names()
        self.blocks = _Blocks(anchors, self.names)
        self.others = others
        self.name_scores: dict[tuple[str, str], float] = {}  # at most one per candidate scored: the run's size

    def candidates(self, person: Person, mine: _Name) -> list[tuple[Person, _Name]]:
        """The anchors to score: the blocks' — or only the one record with the very same name,
        birth date and class when it scores 1.0, since nothing else can then change the outcome
        (no other record scores 1.0, and `_only_exact` links it whatever the others score)."""
        exact = self.blocks.exact.get((mine.key, person.birth_date, person.class_code))
        if exact is not None and len(exact) == 1 and _score(person, exact[0][0], 1.0) == 1.0:
            return exact  # the blocks hold it too (same day, given and family name), and it alone counts
        return self.blocks.of(person, mine)

    def ranked(self, person: Person, mine: _Name, rows: list[tuple[Person, _Name]]) -> list[tuple]:
        """The three best candidates, best first."""
        ranked = [
            (_score(person, a, 1.0 if theirs.key == mine.key else self._name_score(mine, theirs)), a.key, a, theirs)
            for a, theirs in rows
        ]
        ranked.sort(reverse=True)
        if self.taken:  # an anchor already linked by ID is someone else, unless this record is a near copy of it
            ranked = [c for c in ranked if c[1] not in self.taken or c[0] >= LINK]
        return ranked[:3]

    def _name_score(self, mine: _Name, theirs: _Name) -> float:
        found = self.name_scores.get((mine.key, theirs.key))
        if found is None:
            found = self.name_scores[mine.key, theirs.key] = _name_score(mine, theirs)
        return found

    def run(self, pending: list[Person]) -> None:
        result, names = self.result, self.names
        claims: dict[str, list] = {}  # anchor key → [the anchor, (score, key, person, its name)…]
        for person in pending:
            mine = names(person.full_name)
            rows = self.candidates(person, mine)
            ranked = self.ranked(person, mine, rows)
            claim, reason = _judge(person, mine, ranked)
            if claim is None and (others := self.blocks.named(person, mine)):
                ranked = self.ranked(person, mine, rows + others)  # a doubt or a miss: these count too
                claim, reason = _judge(person, mine, ranked)
            if claim is not None:
                entry = claims.get(claim)
                if entry is None:
                    entry = claims[claim] = [ranked[0][2]]
                entry.append((ranked[0][0], person.key, person, mine))
            elif reason:
                self._doubt(person.key, ranked, reason)
            else:
                result.unmatched.append(person.key)
        taken, links = self.taken, result.links
        linked = set(taken.values())
        holders = {person.key: person for person in self.others if person.key in linked} if linked else {}
        for anchor_key, entry in sorted(claims.items()):  # links in the anchors' order, as ever
            if len(entry) == 2 and anchor_key not in taken:  # the common case: one claim, nobody beside it
                score, key = entry[1][:2]
                taken[anchor_key] = key
                links[key] = Link(key, anchor_key, "scored", score)
            else:
                self._settle(entry[0], entry[1:], holders)
        result.doubts.sort(key=lambda d: d.key)
        result.unmatched.sort()

    def _settle(self, anchor: Person, claimants: list[tuple], holders: dict[str, Person]) -> None:
        """Who of the claimants of one anchor is linked, who duplicates whom, who is in doubt."""
        result, taken = self.result, self.taken
        holder = taken.get(anchor.key)  # linked already by an ID: every claimant duplicates that record
        # A claim resting on a swapped date while another record of the same platform shows the
        # anchor's own date: that one is the anchor's, and this may be a namesake classmate whose
        # counterpart is missing — not a second record of the same child (which would share a date).
        beside = [c[2] for c in claimants] + ([holders[holder]] if holder else [])
        dated = any(p.birth_date == anchor.birth_date for p in beside)
        kept = []
        for claim in sorted(claimants, reverse=True):
            person, mine = claim[2], claim[3]
            if dated and _birth(person.birth_date, anchor.birth_date) == SWAPPED:
                rows = self.blocks.of(person, mine) + self.blocks.named(person, mine)
                self._doubt(person.key, self.ranked(person, mine, rows), SWAPPED_DATE)
            else:
                kept.append(claim)
        if not kept:
            return
        top_score, top_key = kept[0][:2]
        clear = len(kept) == 1 or _gap(top_score, kept[1][0]) >= 0.05
        if clear:
            _take(result, taken, Link(top_key, anchor.key, "scored", top_score), top_key)
        for claim in kept[0 if not clear else 1 :]:
            key = claim[1]
            # the record it duplicates: the one linked, or (none clear) the other strongest claimant
            other = holder or (top_key if clear else (kept[1][1] if key == top_key else top_key))
            result.duplicates.append((key, anchor.key, other))

    def _doubt(self, key: str, ranked: list[tuple], reason: str) -> None:
        # only candidates a person could take for this child: below DOUBT it is another child
        self.result.doubts.append(Doubt(key, tuple((c[1], c[0]) for c in ranked if c[0] >= DOUBT), reason))


def _judge(person: Person, mine: _Name, ranked: list[tuple]) -> tuple[str | None, str | None]:
    """``(anchor to claim, None)``, ``(None, why a person must decide)`` or ``(None, None)``: no
    anchor at all."""
    best = ranked[0][0] if ranked else 0.0
    if best < DOUBT:
        return None, None
    if best >= LINK and (len(ranked) == 1 or _gap(best, ranked[1][0]) >= MARGIN or _only_exact(person, mine, ranked)):
        why = _two_children(person, mine, ranked[0][2], ranked[0][3])
        return (None, why) if why else (ranked[0][1], None)
    if best >= LINK:
        return None, SAME
    return None, OFF_BY_ONE_DAY if _birth(person.birth_date, ranked[0][2].birth_date) == ONE_DAY else LOW


def _two_children(person: Person, mine: _Name, anchor: Person, theirs: _Name) -> str | None:
    """Why a link scored above `LINK` may still be two children, each on one platform."""
    if (
        mine.given != theirs.given
        and mine.given in GIVEN_NAMES
        and theirs.given in GIVEN_NAMES
        and OSA.distance(mine.given, theirs.given) == 1
    ):
        return OTHER_NAME  # Hùng/Dũng: twins as likely as a slip
    if _birth(person.birth_date, anchor.birth_date) == SWAPPED and _other_ids(person, anchor):
        return SWAPPED_DATE  # each carries an ID of its own: the swap is no slip
    return None


def _other_ids(a: Person, b: Person) -> bool:
    """Both show an ID of one kind and they differ: another child."""
    return any(
        getattr(a, kind) and getattr(b, kind) and getattr(a, kind) != getattr(b, kind)
        for kind in ("ministry_id", "personal_id")
    )


def _gap(better: float, worse: float) -> float:
    """Scores carry four decimals: their difference is compared at that precision, so that
    0.9006 - 0.7506 is the 0.15 it reads as, not 0.14999…"""
    return round(better - worse, 4)


def _only_exact(person: Person, mine: _Name, ranked: list[tuple]) -> bool:
    """The best candidate alone has the very same name and birth date (and, among namesakes born
    the same day, class): twins and classmates whose names differ by one letter (Vinh, Bình) are
    told apart by name, not left to a person. Two records claiming one anchor still become
    duplicates (`_Scoring._settle`), so a wrong class cannot make a silent wrong link."""
    same = [c for c in ranked if c[2].birth_date == person.birth_date and c[3].key == mine.key]
    for exact in (same, [c for c in same if c[2].class_code == person.class_code]):
        # namesakes born the same day are told apart by class
        if len(exact) == 1 and exact[0] is ranked[0]:
            return True
    return False


def _take(result: MatchResult, taken: dict[str, str], link: Link, key: str) -> None:
    holder = taken.get(link.anchor)
    if holder is not None:
        result.duplicates.append((key, link.anchor, holder))  # never two onto one, silently
        return
    taken[link.anchor] = key
    result.links[key] = link
