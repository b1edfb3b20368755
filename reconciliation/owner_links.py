"""Which of the school's students each of the score owner's students is (the teachers' gradebooks).

A teacher keys her book as she likes: by the school's student code (vnEdu's ``Mã học sinh``),
by the ministry's ID, by the personal ID, or by name only. Her students are linked to the
school's at reconciliation, never by row order, in order of evidence:

1. the school's code, when the book has it and the school lists it;
2. the ministry ID, then the personal ID — the school's own (vnEdu's API students carry them),
   or, for students the school knows without IDs (vnEdu's exports), those of the identity
   source's student (the CSDL) it is linked to;
3. the name within the class: one namesake (with the same birth date when both show one) is
   linked; otherwise the identity matcher (`matching.match`) scores the class's students.

A unique match is used and counted by way (`OwnerLinks.ways`, said by `OwnerLinks.words`).
Several candidates or none make an ``identity_doubt`` for the class's homeroom teacher listing
the candidates; a row is never dropped in silence. Rows of a class the school has no student
of yet (a book imported before any roster) wait (`OwnerLinks.waiting`) and are linked by the
first reconciliation after the roster arrives. Sheets stored before books carried a roster are
keyed by the school's code, and compared as before.

Two of the owner's students that land on one sheet of the school's (two rows of one book for
one child, or a row keyed again another way) are settled by the stronger evidence; when it
cannot tell them apart and their scores differ, each is a doubt and neither is compared.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from dataclasses import replace as copied
from typing import Any, Iterable

from lienthong.mapping import catalogs
from lienthong.mapping.canonical import Student, StudentStatus
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import format_date, given_name_sort_key, name_key
from lienthong.mapping.sources import SourceRecords
from lienthong.mapping.vnedu import score_cells
from lienthong.reconciliation.discrepancy import Discrepancy
from lienthong.reconciliation.matching import DOUBT, Person, Scorer, match
from lienthong.reconciliation.people import person

CODE, MINISTRY, PERSONAL, NAME, SCORED = "code", "ministry_id", "personal_id", "name", "scored"
CONFIRMED = "confirmed"  # a homeroom teacher settled the doubt: this row is that child
LEFT = {StudentStatus.CHUYEN_DI.value, StudentStatus.THOI_HOC.value}  # a settled link to such a child lapses
STRENGTH = {CONFIRMED: 0, CODE: 0, MINISTRY: 1, PERSONAL: 2, NAME: 3, SCORED: 4}  # which claim wins a sheet
IDS = (MINISTRY, PERSONAL)


@dataclass
class OwnerLinks:
    """How the score owner's students were linked to the school's.

    ``ways`` counts the owner's students by how they were linked (``code``, ``ministry_id``,
    ``personal_id``, ``name``); ``waiting`` those of a class the school has no student of yet;
    ``doubts`` the records for a person (also in `reconcile`'s list); ``sheets`` the owner's
    sheets keyed by the school's students, what `compare_scores` compares."""

    school_title: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # owner's student key → school's
    how: dict[str, str] = field(default_factory=dict)  # owner's student key → way (``scored``: by the matcher)
    waiting: Counter = field(default_factory=Counter)  # class → owner's students waiting for a roster
    doubts: list[Discrepancy] = field(default_factory=list)
    sheets: Any = field(default_factory=dict)
    # owner's student → (school's student, way) as linked before its sheets were settled: whose
    # sheets a school's student's comparison reads (`relinked`)
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def ways(self) -> Counter:
        return Counter(NAME if way == SCORED else way for way in self.how.values())

    def words(self) -> str:
        """What a report shows: «khớp theo mã vnEdu: 38, theo mã định danh: 2, theo họ tên: 3»."""
        ways = self.ways
        parts = [f"khớp theo mã {self.school_title}: {ways[CODE]}", f"theo mã định danh: {ways[MINISTRY]}"]
        if ways[PERSONAL]:
            parts.append(f"theo số định danh cá nhân: {ways[PERSONAL]}")
        parts.append(f"theo họ tên: {ways[NAME]}")
        if ways[CONFIRMED]:
            parts.append(f"theo xác nhận của giáo viên chủ nhiệm: {ways[CONFIRMED]}")
        if self.doubts:
            parts.append(f"cần xác nhận: {len({tuple(d.keys.values()) for d in self.doubts})}")
        if self.waiting:
            parts.append(f"chờ danh sách lớp: {sum(self.waiting.values())}")
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "ways": dict(self.ways),
            "doubts": len(self.doubts),
            "waiting": dict(sorted(self.waiting.items(), key=lambda item: str(item[0]))),
        }


def link_owner(
    owner: SourceRecords, school: SourceRecords, anchor: SourceRecords, school_links: dict[str, str]
) -> OwnerLinks:
    """The owner's students linked to the school's, and its sheets keyed by them.

    ``school_links``: the school's student key → the identity source's (`compare.link_students`).
    A link a homeroom teacher settled (``owner.confirmed``: an identity doubt resolved) is taken
    before any other evidence, while the school still lists that student."""
    out = OwnerLinks(school.title)
    students = owner.students
    sheets_of: dict[str, list[str]] = defaultdict(list)  # owner's student → its sheet keys
    for sheet_key in owner.sheets:
        sheets_of[sheet_key.split(":", 1)[0]].append(sheet_key)
    for key in sheets_of.keys() - students.keys():  # stored before books carried a roster: the school's code
        if key in school.students:
            out.keys[key], out.how[key] = key, CODE
    if students and not school.students:
        out.waiting.update(s.class_code for s in students.values())
    elif students:
        _Linker(owner, school, anchor, school_links, out, sheets_of).run(owner.confirmed)
    out.sheets = _rekeyed(owner, school, out, sheets_of)
    return out


def relinked(owner: SourceRecords, school: SourceRecords, claims: dict[str, tuple[str, str]]) -> OwnerLinks:
    """`link_owner` for some of the owner's students, linked as an earlier `link_owner` of all
    of them did (its ``claims``): their sheets keyed by the school's students and settled alike."""
    out = OwnerLinks(school.title)
    out.keys = {key: school_key for key, (school_key, _) in claims.items()}
    out.how = {key: way for key, (_, way) in claims.items()}
    sheets_of: dict[str, list[str]] = defaultdict(list)
    for sheet_key in owner.sheets:
        sheets_of[sheet_key.split(":", 1)[0]].append(sheet_key)
    out.sheets = _rekeyed(owner, school, out, sheets_of)
    return out


def owner_compared(owner: SourceRecords, linked: OwnerLinks) -> SourceRecords:
    """The owner as `compare_scores` reads it: its sheets keyed by the school's students."""
    return owner if linked.sheets is owner.sheets else copied(owner, sheets=linked.sheets)


class _Linker:
    """One linking of the owner's roster to the school's (see the module's docstring)."""

    def __init__(
        self,
        owner: SourceRecords,
        school: SourceRecords,
        anchor: SourceRecords,
        school_links: dict[str, str],
        out: OwnerLinks,
        sheets_of: dict[str, list[str]],
    ):
        self.owner, self.school, self.out, self.sheets_of = owner, school, out, sheets_of
        self.ids: dict[str, dict[str, str | None]] = {}  # school key → its ministry and personal IDs
        self.index: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key, student in school.students.items():
            linked = anchor.students.get(school_links.get(key, "")) if anchor is not school else None
            known = {
                way: getattr(student, way, None) or (getattr(linked, way, None) if linked else None) for way in IDS
            }
            self.ids[key] = known
            for way, value in known.items():
                if value:
                    self.index[(way, value)].append(key)
        self._scorer: Scorer | None = None  # `_near`'s, with the grades' students it made (`_grade`)
        self._grades: dict[str, list[Person]] = {}
        self.by_class: dict[str | None, list[str]] = defaultdict(list)
        for key, student in sorted(school.students.items()):
            self.by_class[student.class_code].append(key)

    def run(self, confirmed: dict[str, str]) -> None:
        pending: dict[str | None, list[str]] = defaultdict(list)
        for key, student in sorted(self.owner.students.items()):
            if self._still_holds(student, confirmed.get(key)):
                self._link(key, confirmed[key], CONFIRMED)
            elif not self._by_code_or_id(key, student):
                pending[student.class_code].append(key)
        for cls, keys in pending.items():
            if not (self.by_class.get(cls) if cls else self.school.students):
                self.out.waiting[cls] += len(keys)  # no roster of the class yet: linked once it comes
            else:
                self._by_name(cls, keys)

    def _still_holds(self, student: Student, chosen: str | None) -> bool:
        """A teacher's settlement holds while the child chosen is still one of the school's, still
        studying, in the row's grade (a teacher may choose a namesake of another class of it), and
        shows no ID that differs from the row's. A row keyed by class and name next year (another
        Nguyễn Thị Hà in 6A1, last year's now in 7A1), or a child who left, is linked afresh (or
        doubted again), never to the child chosen then."""
        child = self.school.students.get(chosen) if chosen else None
        if child is None or getattr(child.status, "value", child.status) in LEFT:
            return False
        if student.class_code and child.class_code and student.class_code[:1] != child.class_code[:1]:
            return False
        return not self._conflicts(student, chosen)

    def _link(self, key: str, school_key: str, way: str) -> None:
        self.out.keys[key], self.out.how[key] = school_key, way

    def _by_code_or_id(self, key: str, student: Student) -> bool:
        code = student.links.get(self.school.name)
        if code and code in self.school.students:
            self._link(key, code, CODE)
            return True
        for way in IDS:
            value = getattr(student, way, None)
            found = self.index.get((way, value), []) if value else []
            if len(found) == 1:
                self._link(key, found[0], way)
                return True
            if len(found) > 1:  # one ID on two of the school's students: the school must settle it first
                self._doubt(key, found)
                return True
        return False

    def _conflicts(self, student: Student, school_key: str) -> bool:
        """Both show an ID of one kind and they differ: another child, whatever the name says."""
        theirs = self.ids[school_key]
        return any(getattr(student, w, None) and theirs[w] and getattr(student, w) != theirs[w] for w in IDS)

    def _by_name(self, cls: str | None, keys: list[str]) -> None:
        candidates = self.by_class[cls] if cls else sorted(self.school.students)
        names: dict[str, list[str]] = defaultdict(list)
        for school_key in candidates:
            names[name_key(self.school.students[school_key].full_name)].append(school_key)
        fuzzy = []
        for key in keys:
            student = self.owner.students[key]
            alike = [k for k in names.get(name_key(student.full_name), []) if _same_birth(student, self._of(k))]
            fitting = [k for k in alike if not self._conflicts(student, k)]
            if len(fitting) == 1:
                self._link(key, fitting[0], NAME)
            elif alike:
                self._doubt(key, alike)
            elif cls:
                fuzzy.append(key)
            else:  # no class to score within: only a namesake is taken
                self._doubt(key, [])
        if fuzzy:
            self._scored(cls, candidates, fuzzy)

    def _of(self, school_key: str) -> Student:
        return self.school.students[school_key]

    def _scored(self, cls: str | None, candidates: list[str], keys: list[str]) -> None:
        """Names that differ a little (a slip, a dropped middle name): the identity matcher decides."""
        school, owner = self.school, self.owner
        result = match(
            [person(school.name, k, self._of(k)) for k in candidates],
            [person(owner.name, k, owner.students[k]) for k in keys],
        )
        for key, link in result.links.items():
            if self._conflicts(owner.students[key], link.anchor):
                self._doubt(key, [link.anchor])
            else:
                self._link(key, link.anchor, SCORED)
        for doubt in result.doubts:
            self._doubt(doubt.key, [k for k, _ in doubt.candidates])
        for key, school_key, _ in result.duplicates:  # two rows for one child: which is which is for a person
            self._doubt(key, [school_key])
            self.out.keys.pop(key, None)
            self.out.how.pop(key, None)
        for key in result.unmatched:
            self._doubt(key, self._near(owner.students[key]))

    def _near(self, student: Student) -> list[str]:
        """The grade's students a person might take this child for (another class's namesake)."""
        mine = person(self.owner.name, "", student)
        scored = self._scorer or Scorer()
        self._scorer = scored
        ranked = sorted(((scored(mine, theirs), theirs.key) for theirs in self._grade(mine.grade)), reverse=True)
        return [k for s, k in ranked[:3] if s >= DOUBT]

    def _grade(self, grade: str) -> list[Person]:
        """The school's students of one grade as matching compares them, made once for every row."""
        found = self._grades.get(grade)
        if found is None:
            school = self.school
            found = [
                person(school.name, k, s) for k, s in school.students.items() if (s.class_code or "?")[:1] == grade
            ]
            self._grades[grade] = found
        return found

    def _doubt(self, key: str, candidates: list[str]) -> None:
        self.out.doubts.append(
            identity_doubt(self.owner, self.school, key, candidates, _subjects(self.sheets_of[key]), None)
        )


def _same_birth(mine: Student, theirs: Student) -> bool:
    return mine.birth_date is None or theirs.birth_date is None or mine.birth_date == theirs.birth_date


def _shown_student(student: Student) -> str:
    born = f"sinh {format_date(student.birth_date)}" if student.birth_date else "chưa rõ ngày sinh"
    return f"{student.full_name} ({student.class_code or 'chưa rõ lớp'}, {born})"


def _subjects(sheet_keys: list[str]) -> list[str]:
    """``Toán HK1``… of one student's sheets (the sheets a doubt holds back)."""
    found = []
    for sheet in sorted(sheet_keys):
        _, subject, semester = sheet.rsplit(":", 2)
        try:
            found.append(f"{catalogs.subject(subject).name} HK{semester}")
        except MappingError:
            found.append(f"{subject} HK{semester}")
    return found


def identity_doubt(
    owner: SourceRecords,
    school: SourceRecords,
    key: str,
    candidates: Iterable[str],
    subjects: list[str],
    sheet: tuple[str, str] | None,
) -> Discrepancy:
    """One of the owner's students a person must link, with the school's candidates listed
    (name, class, birth date). ``sheet``: (subject, semester) when it is one sheet in doubt."""
    student = owner.students[key]
    name, cls = student.full_name, student.class_code
    found = sorted(candidates, key=lambda k: given_name_sort_key(school.students[k].full_name))
    listed = "; ".join(_shown_student(school.students[k]) for k in found)
    where = f"{owner.title} ({', '.join(subjects)})" if subjects else owner.title
    if sheet:
        said = f"{owner.title} có dòng khác cũng được nhận là em {listed}, với điểm khác"
    elif len(found) > 1:
        said = f"có {len(found)} em có thể là em: {listed}"
    elif found:
        said = f"chưa chắc là em {listed}"
    else:
        said = f"không tìm thấy em nào như vậy trên {school.title}"
    return Discrepancy(
        "identity_doubt",
        name,
        {owner.name: key},
        f"{owner.name}.hoc_sinh",
        {owner.name: key, school.name: found},
        f"Chưa rõ em {name} ({cls or 'chưa rõ lớp'}) trong {where} là học sinh nào trên {school.title}: "
        f"{said}. Điểm của em chưa được đối chiếu: cần giáo viên chủ nhiệm xác nhận",
        cls or (school.students[found[0]].class_code if found else None),
        *(sheet or (None, None)),
        suggestion=(
            "Xoá dòng thừa trong sổ điểm, hoặc ghi Mã học sinh của từng em để phân biệt"
            if sheet
            else f"Chọn đúng em trên {school.title}, hoặc ghi Mã học sinh (hay ngày sinh) của em vào sổ điểm"
            if found
            else f"Kiểm tra họ tên và lớp trong sổ điểm; nếu em mới chuyển đến, khai báo em trên {school.title}"
        ),
        detail={
            "candidates": [
                {
                    "key": k,
                    "name": school.students[k].full_name,
                    "class": school.students[k].class_code,
                    "birth_date": format_date(school.students[k].birth_date) if school.students[k].birth_date else None,
                }
                for k in found
            ]
        },
    )


def _rekeyed(owner: SourceRecords, school: SourceRecords, out: OwnerLinks, sheets_of: dict[str, list[str]]) -> Any:
    """The owner's sheets under the school's keys; sheets of students not linked are held back
    (their doubt says so), and two owner sheets on one school sheet are settled (`_settle`).
    Unchanged (the same object) when every linked key is the school's already."""
    keys = out.keys
    out.claims = {key: (school_key, out.how[key]) for key, school_key in keys.items()}
    same = all(k == v for k, v in keys.items())
    if same and not (owner.students.keys() - keys.keys()):
        return owner.sheets
    if same:
        return _held_back(owner, out, sheets_of)
    claims: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    kept: dict[str, dict] = {}
    for sheet_key, payload in owner.sheets.items():
        student, rest = sheet_key.split(":", 1)
        if student in keys:
            claims[f"{keys[student]}:{rest}"].append((STRENGTH[out.how[student]], student, sheet_key))
        elif student not in owner.students:
            kept[sheet_key] = payload  # stored before rosters, on no school student: skipped as before
    compared: set[str] = set()
    sheets = owner.sheets
    for target, claimants in claims.items():
        if len(claimants) == 1:  # nearly always: the one claimant stands (`_settle` of one)
            _, student, sheet_key = claimants[0]
            kept[target] = sheets[sheet_key]
            compared.add(student)
            continue
        winner = _settle(owner, school, out, target, sorted(claimants), sheets_of)
        if winner is not None:
            kept[target] = sheets[winner[1]]
            compared.add(winner[0])
    for student in set(keys) - compared - (sheets_of.keys() - owner.students.keys()):
        del keys[student], out.how[student]  # every sheet of it is in doubt: not counted as matched
    return type(owner.sheets)(kept)  # a `SheetTable` digests its new keys


def _held_back(owner: SourceRecords, out: OwnerLinks, sheets_of: dict[str, list[str]]) -> Any:
    """`_rekeyed` when every linked key is the school's already (books keyed by the school's code,
    a few rows in doubt): each sheet keeps its key and claims alone, the doubts' sheets are held
    back. The same sheets in the same order as the claims would give, without making them."""
    keys, students, sheets = out.keys, owner.students, owner.sheets
    before: dict[str, dict] = {}  # stored before rosters, on no school student: first, as `_rekeyed` keeps them
    linked: dict[str, dict] = {}
    for sheet_key, payload in sheets.items():
        student = sheet_key.split(":", 1)[0]
        if student in keys:
            linked[sheet_key] = payload
        elif student not in students:
            before[sheet_key] = payload
    compared = {student for student, sheet_keys in sheets_of.items() if student in keys and sheet_keys}
    for student in set(keys) - compared - (sheets_of.keys() - students.keys()):
        del keys[student], out.how[student]  # no sheet of it: not counted as matched
    return type(sheets)({**before, **linked})


def _settle(
    owner: SourceRecords,
    school: SourceRecords,
    out: OwnerLinks,
    target: str,
    claimants: list[tuple[int, str, str]],
    sheets_of: dict[str, list[str]],
) -> tuple[str, str] | None:
    """Which owner sheet stands for the school's sheet ``target`` (its student and sheet key): the
    one alone, or those alike; else the one of the strongest link, the weaker ones being doubts;
    equally strong ones with other scores are each a doubt and none is compared."""
    best = claimants[0]
    rivals = [c for c in claimants[1:] if _values(owner, c[2], target) != _values(owner, best[2], target)]
    if not rivals:
        return best[1], best[2]
    strongest = [c for c in claimants if c[0] == best[0]]
    doubtful = claimants if len(strongest) > 1 and any(c in rivals for c in strongest) else rivals
    _, subject, semester = target.rsplit(":", 2)
    for _, student, _ in doubtful:
        out.doubts.append(
            identity_doubt(
                owner, school, student, [target.split(":", 1)[0]], _subjects(sheets_of[student]), (subject, semester)
            )
        )
    return None if doubtful is claimants else (best[1], best[2])


def _values(owner: SourceRecords, sheet_key: str, target: str) -> dict:
    try:
        by_comment = catalogs.subject(target.rsplit(":", 2)[1]).by_comment
    except MappingError:
        by_comment = False
    return score_cells(owner.sheets[sheet_key], by_comment)
