"""Identity matching: which student of one platform is which student of another.

The CSDL is the authority for identity (it issues the Mã định danh), so its students are the
anchors; another platform's students are linked to them by, in order: the ministry ID, the
personal ID (CCCD), then a score over folded name, date of birth (a swapped day/month still
counts), class and gender. Above `LINK`, and clear of the next candidate by `MARGIN`, a
student is linked; otherwise from `DOUBT` up a person must decide (an identity doubt); two
students of one platform are never linked to one anchor silently — the weaker, or both when
they cannot be told apart, become duplicates. A wrong link is worse than a missed one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from lienthong.mapping.normalize import fold, name_key

LINK = 0.90
DOUBT = 0.70
MARGIN = 0.15  # the best candidate must beat the next by this much to be linked without a person
WEIGHTS = {"name": 0.55, "birth": 0.30, "class": 0.10, "gender": 0.05}


@dataclass(frozen=True)
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


def _birth(a: date | None, b: date | None) -> float:
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 0.8  # day and month swapped: a classic typing slip
    return 0.0


def score(a: Person, b: Person) -> float:
    """0…1: how sure we are that ``a`` and ``b`` are the same student."""
    key_a, key_b = name_key(a.full_name), name_key(b.full_name)
    name = max(fuzz.ratio(key_a, key_b), fuzz.token_set_ratio(key_a, key_b) - 5) / 100  # dropped middle name
    words_a, words_b = fold(a.full_name).split(), fold(b.full_name).split()
    if OSA.distance(words_a[-1], words_b[-1]) > 1 or OSA.distance(words_a[0], words_b[0]) > 1:
        name /= 4  # another given or family name (My/Phúc, Trần/Bùi) is another child; a slip changes one letter
    parts = {
        "name": name,
        "birth": _birth(a.birth_date, b.birth_date),
        "class": 1.0 if a.class_code == b.class_code else 0.5 if a.grade == b.grade else 0.0,
        "gender": 1.0 if a.gender == b.gender else 0.0,
    }
    # What one side does not show (vnEdu's exports carry no gender) is no evidence either way:
    # the remaining weights are scaled up rather than counting the gap as a difference.
    known = [
        k
        for k in parts
        if (k != "gender" or (a.gender and b.gender)) and (k != "birth" or (a.birth_date and b.birth_date))
    ]
    return round(sum(WEIGHTS[k] * parts[k] for k in known) / sum(WEIGHTS[k] for k in known), 4)


def match(anchors: list[Person], others: list[Person]) -> MatchResult:
    """Link every student of ``others`` to an anchor, or say why not.

    Stronger evidence goes first (all ministry-ID links, then personal-ID links, then scores),
    so a copy that shares only a personal ID can never take the place of the real record.
    """
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
    _scored(anchors, pending, result, taken)
    return result


def _scored(anchors: list[Person], pending: list[Person], result: MatchResult, taken: dict[str, str]) -> None:
    by_grade: dict[str, list[Person]] = defaultdict(list)
    for anchor in anchors:
        by_grade[anchor.grade].append(anchor)
    claims: dict[str, list[tuple[float, str]]] = defaultdict(list)
    by_key = {a.key: a for a in anchors}
    for person in pending:
        ranked = sorted(((score(person, a), a.key) for a in by_grade[person.grade]), reverse=True)
        # an anchor already linked by ID is someone else, unless this record is a near copy of it
        ranked = [(s, k) for s, k in ranked if k not in taken or s >= LINK][:3]
        best = ranked[0] if ranked else (0.0, "")
        if best[0] < DOUBT:
            result.unmatched.append(person.key)
        elif best[0] >= LINK and (
            len(ranked) == 1
            or _gap(best[0], ranked[1][0]) >= MARGIN
            or _only_exact(person, [by_key[k] for _, k in ranked])
        ):
            claims[best[1]].append((best[0], person.key))
        else:
            reason = "điểm giống thấp" if best[0] < LINK else "nhiều học sinh giống nhau"
            # only candidates a person could take for this child: below DOUBT it is another child
            result.doubts.append(Doubt(person.key, tuple((k, s) for s, k in ranked if s >= DOUBT), reason))
    for anchor, claimants in sorted(claims.items()):
        claimants.sort(reverse=True)
        top_score, top_key = claimants[0]
        clear = len(claimants) == 1 or _gap(top_score, claimants[1][0]) >= 0.05
        holder = taken.get(anchor)  # linked already by an ID: every claimant duplicates that record
        if clear:
            _take(result, taken, Link(top_key, anchor, "scored", top_score), top_key)
        for _, key in claimants[0 if not clear else 1 :]:
            # the record it duplicates: the one linked, or (none clear) the other strongest claimant
            other = holder or (top_key if clear else (claimants[1][1] if key == top_key else top_key))
            result.duplicates.append((key, anchor, other))


def _gap(better: float, worse: float) -> float:
    """Scores carry four decimals: their difference is compared at that precision, so that
    0.9006 - 0.7506 is the 0.15 it reads as, not 0.14999…"""
    return round(better - worse, 4)


def _only_exact(person: Person, ranked: list[Person]) -> bool:
    """The best candidate alone has the very same name and birth date (and, among namesakes born
    the same day, class): twins and classmates whose names differ by one letter (Vinh, Bình) are
    told apart by name, not left to a person. Two records claiming one anchor still become
    duplicates (`_scored`), so a wrong class cannot make a silent wrong link."""

    def same(a: Person, *fields: str) -> bool:
        return (
            a.birth_date == person.birth_date
            and name_key(a.full_name) == name_key(person.full_name)
            and all(getattr(a, f) == getattr(person, f) for f in fields)
        )

    for fields in ((), ("class_code",)):  # namesakes born the same day are told apart by class
        exact = [a for a in ranked if same(a, *fields)]
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
