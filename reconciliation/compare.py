"""Find every difference between the sources at once, as `Discrepancy` records.

Inputs are canonical records by source (`mapping.sources.SourceRecords`), mapped from the
stored pulls and imports by each platform's mapping module; which source plays which part
(identity, the school's record, results, the owner of scores) comes from configuration
(`Roles`). Students of every source are first linked to the identity source's (`matching`),
the score owner's (the teachers' gradebooks) to the school's (`owner_links`: the counts by way
end up on the owner's ``SourceRecords.linked``); then bio, class and status are compared
between linked records, each score cell of the score owner against its targets, the results
source's subject averages and levels against Circular 22 applied to the school's scores,
training levels and absences. NFC/NFD and tone placement never count as differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lienthong.assessment.engine import semester_average
from lienthong.assessment.rules import CIRCULAR_22
from lienthong.config.settings import AuthoritySettings
from lienthong.mapping import catalogs
from lienthong.mapping.calendar import semester_bounds
from lienthong.mapping.canonical import Student
from lienthong.mapping.normalize import LEVEL_WORDS, format_score, name_key
from lienthong.mapping.registry import canonical
from lienthong.mapping.sources import SourceRecords
from lienthong.reconciliation.authority import CORRECTION, FILL, ScoreAuthority, diff_sheets, for_a_person
from lienthong.reconciliation.completeness import SheetCounts, counted_sheets, missing_required, over_semesters
from lienthong.reconciliation.discrepancy import EMPTY, Discrepancy
from lienthong.reconciliation.matching import match
from lienthong.reconciliation.owner_links import OwnerLinks, link_owner, owner_compared, relinked
from lienthong.reconciliation.people import person
from lienthong.reconciliation.year import ParsedSheets, SheetTable, compare_year, rules_in_force

Sources = dict[str, SourceRecords]
CELL_WORDS = {"gk": "ĐĐGgk", "ck": "ĐĐGck", **{f"tx{i}": f"ĐĐGtx{i + 1}" for i in range(4)}}
STATUS_WORDS = {s.code: s.name for s in catalogs.statuses()}


@dataclass(frozen=True)
class Roles:
    """Which source plays which part, from ``[authority]`` in the configuration."""

    identity: str  # issues the identity: every other source's students are linked to its
    school: str  # the school's record: classes, status, training, attendance, the scores computed from
    results: str  # holds the results that are recomputed with Circular 22 and checked
    scores: ScoreAuthority

    @classmethod
    def from_settings(cls, authority: AuthoritySettings | None = None) -> "Roles":
        authority = authority or AuthoritySettings()
        return cls(
            authority.identity, authority.school, authority.results, ScoreAuthority.from_settings(authority.scores)
        )


def _shown(value: Any) -> str:
    if value is None:
        return EMPTY
    if isinstance(value, Decimal):
        return format_score(value)
    if isinstance(value, tuple):
        return value[1]
    return str(value)


def _source(sources: Sources, name: str) -> SourceRecords:
    return sources.get(name) or SourceRecords(name, name, name)


def reconcile(
    sources: Sources | dict,
    school_year: str,
    semester: str | None,
    today: date,
    pushed: bool = False,
    roles: Roles | None = None,
    closed: tuple[str, ...] = (),
) -> list[Discrepancy]:
    """Every difference; ``semester`` ``None`` compares every semester the results source holds.

    ``sources``: canonical records by source, or stored payloads (source → entity → key →
    payload), which are mapped first. ``pushed``: the sync pushes the score owner's values to
    its targets (then only what waits for the principal is a score discrepancy, see `authority`)."""
    return findings(sources, school_year, semester, today, pushed, roles, closed).found


# The stages of one reconciliation, in the order their findings come (`Findings.stages`): what
# rests on the rosters alone (matching, the teachers' rows, refused reports), and what each of
# the school's students' own records give (cells, each semester's checks, the year, blanks).
ROSTERS, SCORES, PERIODS, YEAR, REPORTS, BLANKS = range(6)
PER_STUDENT = (SCORES, PERIODS, YEAR, BLANKS)


@dataclass
class Findings:
    """`reconcile`'s findings in its order, each with its stage ``(stage, semester, check)``;
    ``links``: the school's student key → the identity source's, in the matcher's order."""

    found: list[Discrepancy]
    stages: list[tuple[int, int, int]]
    links: dict[str, str]
    owner_links: OwnerLinks | None = None
    counted: SheetCounts | None = None  # the school's `counted_sheets`, read once for every count
    over: dict[str, dict[str, str]] | None = None  # `over_semesters` as the blank check read it

    def add(self, stage: tuple[int, int, int], found: list[Discrepancy]) -> None:
        self.found += found
        self.stages += [stage] * len(found)


@dataclass(frozen=True)
class Partial:
    """What a reconciliation of some students only (their records alone are given) takes from
    the last reconciliation of all (`register.State`): the links, the semesters compared, and the
    stand-in whose results say which semesters are over for each class."""

    links: dict[str, str]
    claims: dict[str, tuple[str, str]]  # owner's student → (school's student, how), before settling
    semesters: list[str]
    over: Sources


def findings(
    sources: Sources | dict,
    school_year: str,
    semester: str | None,
    today: date,
    pushed: bool = False,
    roles: Roles | None = None,
    closed: tuple[str, ...] = (),
    partial: Partial | None = None,
) -> Findings:
    """`reconcile`, each finding with its stage. With ``partial``, ``sources`` hold some students'
    records only (and their rosters' rows): only the per-student stages run, for them."""
    sources = canonical(sources)
    roles = roles or Roles.from_settings()
    school, anchor, held = (
        _source(sources, roles.school),
        _source(sources, roles.identity),
        _source(sources, roles.results),
    )
    out = Findings([], [], partial.links if partial else {})
    owner = _source(sources, roles.scores.owner)
    if partial is None:
        found: list[Discrepancy] = []
        if school.raw_names and anchor.raw_names:
            out.links = link_students(school, anchor, found)
        for other in sources.values():  # every further source that lists students is checked against the anchor
            if other.name not in (school.name, anchor.name) and other.raw_names and anchor.raw_names:
                link_students(other, anchor, found, field=f"{other.name}.hoc_sinh")
        out.add((ROSTERS, 0, 0), found)
        if owner.name != school.name:  # the teachers' rows, keyed as each book keys them, as the school's students
            owner.linked = link_owner(owner, school, anchor, out.links)  # counts for the report: `OwnerLinks`
            out.owner_links = owner.linked
            out.add((ROSTERS, 0, 0), owner.linked.doubts)
            owner = owner_compared(owner, owner.linked)
    elif owner.name != school.name:
        owner = owner_compared(owner, relinked(owner, school, partial.claims))
    links = out.links
    for target in roles.scores.targets:
        if target == school.name:  # score sheets are keyed by the school's student keys
            out.add(
                (SCORES, 0, 0),
                compare_scores(owner, school, school, links, anchor.name, pushed, roles.scores.approval),
            )
    results = held.results
    if partial is not None:
        semesters = partial.semesters
    else:
        semesters = [semester] if semester else sorted({k.rsplit(":", 1)[1] for k in results} - {"CN"})
    sheets = ParsedSheets(school.sheets)
    for i, period in enumerate(semesters):
        out.add((PERIODS, i, 0), _averages(held, sheets, school, links, school_year, period, anchor.name))
        out.add((PERIODS, i, 1), _learning(held, sheets, school, links, school_year, period, anchor.name))
        out.add((PERIODS, i, 2), _training(held, school, links, period, anchor.name))
        if school.has_attendance:  # exports carry no attendance: nothing to count against
            out.add((PERIODS, i, 3), _absences(held, school, links, school_year, period, today, anchor.name))
    out.add((YEAR, 0, 0), compare_year(held, school, links, school_year, sheets, anchor.name))
    if partial is None:
        for source in sources.values():
            out.add((REPORTS, 0, 0), _refused_reports(source))
    # required assessments blank once the semester is over (``closed``: semesters whose entry window closed)
    compared_owner = owner if school.name in roles.scores.targets else None  # its cells are compare_scores'
    over = partial.over if partial else sources
    out.counted = counted_sheets(school, school_year) if school.sheets else SheetCounts({}, [])
    out.over = over_semesters(over.values(), closed)
    missing = missing_required(
        over,
        school,
        compared_owner,
        links,
        anchor.name,
        school_year,
        out.found,
        closed,
        semester,
        out.counted.blank,  # the sheets with no blank are passed over there
        out.over,
    )
    out.add((BLANKS, 0, 0), missing)
    return out


def _refused_reports(source: SourceRecords) -> list[Discrepancy]:
    """Reports the Sở sent back (``bi_tra_lai``): the school must correct and submit again."""
    out = []
    for request in source.requests:
        if request.status != "bi_tra_lai":
            continue
        due = request.due
        out.append(
            Discrepancy(
                "report_refused",
                "",
                {source.name: request.code},
                "trang_thai",
                {source.name: request.status},
                f"Báo cáo «{request.name}» ({request.form}) bị Sở GD&ĐT trả lại: cần sửa "
                f"theo các lỗi Sở ghi và nộp lại" + (f" (hạn nộp {due:%d/%m/%Y})" if due else ""),
                None,
                suggestion=f"Xem lỗi của lần nộp trên {source.title}, sửa số liệu rồi nộp lại",
            )
        )
    return out


def link_students(
    other: SourceRecords, anchor: SourceRecords, found: list[Discrepancy], field: str = "hoc_sinh"
) -> dict[str, str]:
    """``other``'s key → the anchor's key for every student linked; doubts, duplicates, students on
    one side only and bio differences go to ``found``."""
    result = match(
        [person(anchor.name, k, s) for k, s in anchor.students.items()],
        [person(other.name, k, s) for k, s in other.students.items()],
    )
    # ``field`` tells a further source's roster differences from the school's (their ids differ)
    found += _unsettled(other, anchor, result, field)
    found += _only_on_anchor(other, anchor, result, field)
    links = {key: link.anchor for key, link in result.links.items()}
    for key, anchor_key in links.items():
        found += _bio(other, key, anchor, anchor_key)
    return links


def _keys(other: SourceRecords, mine: str | None, anchor: SourceRecords, theirs: str | None) -> dict[str, str]:
    return {k: v for k, v in ((other.name, mine), (anchor.name, theirs)) if v}


def _unsettled(other: SourceRecords, anchor: SourceRecords, result, field: str = "hoc_sinh") -> list[Discrepancy]:
    """``other``'s students a person must settle: doubts, duplicates, and those the anchor lacks."""
    found = []
    for doubt in result.doubts:
        s = other.students[doubt.key]
        found.append(
            Discrepancy(
                "identity_doubt",
                s.full_name,
                _keys(other, doubt.key, anchor, None),
                field,
                {other.name: doubt.key, anchor.name: [a for a, _ in doubt.candidates]},
                f"Chưa chắc em {s.full_name} ({s.class_code}) trên {other.title} là học sinh nào "
                f"trên {anchor.title}: cần giáo viên chủ nhiệm xác nhận",
                s.class_code,
                suggestion="Xác nhận hoặc từ chối liên kết với một ứng viên",
            )
        )
    pairs = set()
    for key, anchor_key, holder in result.duplicates:
        if frozenset((key, holder)) in pairs:
            continue  # two records that cannot be told apart: one difference, not one per record
        pairs.add(frozenset((key, holder)))
        s = other.students[key]
        found.append(
            Discrepancy(
                "duplicate_student",
                s.full_name,
                _keys(other, key, anchor, anchor_key),
                field,
                {other.name: sorted([key, holder])},
                f"Em {s.full_name} ({s.class_code}) có hai hồ sơ trên {other.title} ({holder}, {key})",
                s.class_code,
                suggestion=f"Gộp hoặc xoá hồ sơ thừa trên {other.title}",
            )
        )
    for key in result.unmatched:
        s = other.students[key]
        found.append(
            Discrepancy(
                "missing_student",
                s.full_name,
                _keys(other, key, anchor, None),
                field,
                {other.name: key, anchor.name: None},
                f"Em {s.full_name} ({s.class_code}) có trên {other.title} nhưng chưa có trên {anchor.full_title}",
                s.class_code,
                suggestion=f"Khai báo học sinh trên {anchor.title} để được cấp mã định danh",
            )
        )
    return found


def _only_on_anchor(other: SourceRecords, anchor: SourceRecords, result, field: str = "hoc_sinh") -> list[Discrepancy]:
    """The anchor's students that ``other`` lacks: not linked, not duplicated, and not a candidate
    a person still has to choose between."""
    present = (
        {link.anchor for link in result.links.values()}
        | {a for _, a, _ in result.duplicates}
        | {a for doubt in result.doubts for a, _ in doubt.candidates}
    )
    found = []
    for anchor_key, (name, cls) in anchor.raw_names.items():
        if anchor_key in present:
            continue
        student = anchor.students.get(anchor_key)
        name, cls = (student.full_name, student.class_code) if student else (name, cls)
        found.append(
            Discrepancy(
                "missing_student",
                name,
                _keys(other, None, anchor, anchor_key),
                field,
                {other.name: None, anchor.name: anchor_key},
                f"Em {name} ({cls}) có trên {anchor.title} nhưng không có trên {other.title}",
                cls,
                suggestion=f"Kiểm tra hồ sơ trên {other.title}",
            )
        )
    return found


def _status_word(student: Student) -> str | None:
    status = getattr(student.status, "value", student.status)
    return STATUS_WORDS.get(status, status) if status else None


def _bio(other: SourceRecords, key: str, anchor: SourceRecords, anchor_key: str) -> list[Discrepancy]:
    v, c = other.students[key], anchor.students[anchor_key]
    keys = {other.name: key, anchor.name: anchor_key}
    name, cls, mine, theirs = c.full_name, c.class_code, other.title, anchor.title
    out = []
    if name_key(v.full_name) != name_key(c.full_name):
        out.append(
            Discrepancy(
                "bio_mismatch",
                name,
                keys,
                "ho_ten",
                {other.name: v.full_name, anchor.name: c.full_name},
                f"Họ tên của em {name} ({cls}) khác nhau: {mine} «{v.full_name}» – {theirs} «{c.full_name}»",
                cls,
                suggestion="Sửa theo giấy khai sinh",
            )
        )
    born_v, born_c = v.birth_date, c.birth_date
    if born_v and born_v != born_c:
        out.append(
            Discrepancy(
                "bio_mismatch",
                name,
                keys,
                "ngay_sinh",
                {other.name: f"{born_v:%d/%m/%Y}", anchor.name: f"{born_c:%d/%m/%Y}"},
                f"Ngày sinh của em {name} ({cls}): {mine} {born_v:%d/%m/%Y} – {theirs} {born_c:%d/%m/%Y}",
                cls,
                suggestion="Sửa theo giấy khai sinh",
            )
        )
    if v.class_code != c.class_code:
        out.append(
            Discrepancy(
                "class_mismatch",
                name,
                keys,
                "ma_lop",
                {other.name: v.class_code, anchor.name: cls},
                f"Lớp của em {name}: {mine} {v.class_code} – {theirs} {cls}",
                # filed under the class the school's own records place the child in: its GVCN teaches
                # her and updates the ministry's record, where the other class's GVCN does not know her
                v.class_code or cls,
            )
        )
    status_v, status_c = _status_word(v), _status_word(c)
    if status_v and status_v != status_c:  # exports show no status
        out.append(
            Discrepancy(
                "status_mismatch",
                name,
                keys,
                "trang_thai",
                {other.name: status_v, anchor.name: status_c},
                f"Trạng thái của em {name} ({cls}): {mine} «{status_v}» – {theirs} «{status_c}»",
                cls,
                suggestion="Cập nhật chuyển đi/chuyển đến ở cả hai nơi",
            )
        )
    return out


def _typed(sheet: dict) -> tuple:
    return tuple(sheet["ddg_tx"]), sheet["ddg_gk"], sheet["ddg_ck"]


def compare_scores(
    owner: SourceRecords,
    target: SourceRecords,
    school: SourceRecords,
    links: dict[str, str],
    anchor: str,
    pushed: bool = False,
    approval: tuple[str, ...] = (CORRECTION,),
) -> list[Discrepancy]:
    """Every score cell of the owner (the teacher's gradebook) against the target's, through the
    one cell diff that also plans the pushes (`authority.diff_sheets`): with ``pushed`` (the
    target takes the owner's values), only the sheets whose change waits for the principal
    (``approval``) are for a person. ``school`` names the students (sheets are keyed by its student keys).

    Bulk first: sheets alike on both sides (nearly all of them) are set aside — by segment
    digests of their values as read when both sides are `SheetTable`s (``8,5`` and ``8.5`` are
    one score there), else by their typed values — and only the rest is diffed cell by cell.
    """
    mine_sheets, their_sheets = owner.sheets, target.sheets
    if isinstance(mine_sheets, SheetTable) and isinstance(their_sheets, SheetTable):
        differing = mine_sheets.differing(their_sheets)
    else:
        differing = sorted(
            key
            for key, own in mine_sheets.items()
            if (theirs := their_sheets.get(key)) is not None and _typed(own) != _typed(theirs)
        )
    out = []
    for diff in diff_sheets(mine_sheets, their_sheets, differing):
        student = school.students.get(diff.student)
        if student is None:
            continue
        subject, semester = diff.subject, diff.semester
        name, cls = student.full_name, student.class_code
        keys = {k: v for k, v in ((school.name, diff.student), (anchor, links.get(diff.student))) if v}
        for cell in diff.cells:
            if not for_a_person(diff, cell, pushed, approval):
                continue
            kind = "missing_score" if cell.kind == FILL else "score_mismatch"
            mine, their = _shown(cell.mine), _shown(cell.theirs)
            out.append(
                Discrepancy(
                    kind,
                    name,
                    keys,
                    cell.cell,
                    {owner.name: mine, target.name: their},
                    f"Điểm {CELL_WORDS[cell.cell]} môn {subject.name} HK{semester} của em {name} ({cls}): "
                    f"{owner.title} {mine} – {target.title} {their}",
                    cls,
                    subject.code,
                    semester,
                    suggestion=f"Cập nhật {target.title} theo {owner.title}: {mine}"
                    if cell.mine is not None
                    else f"Kiểm tra lại: {owner.title} để trống ô này",
                )
            )
    return out


def _recomputed(values: tuple) -> Decimal | None:
    """A sheet's semester average (``values`` in `CELLS` order) from whatever it holds: at least
    one ĐĐGtx, the ĐĐGgk and the ĐĐGck."""
    tx = [v for v in values[:4] if isinstance(v, Decimal)]
    gk, ck = values[4], values[5]
    if not tx or not isinstance(gk, Decimal) or not isinstance(ck, Decimal):
        return None
    return semester_average(tx, gk, ck, CIRCULAR_22)


def _grade(student: Student) -> int | None:
    code = student.class_code or ""
    return int(code[0]) if code[:1].isdigit() else None


def _assessed(sheets: ParsedSheets, key: str, student: Student, school_year: str, semester: str):
    """The student's semester as `ParsedSheets.semester` assessed it, when its averages are the
    ones `_recomputed` gives (the rules in force weigh ĐĐGgk and ĐĐGck as Circular 22 does)."""
    grade = _grade(student)
    if grade is None:
        return None
    assessed = sheets.semester(key, school_year, grade, semester)
    if assessed is None:
        return None
    rules = rules_in_force(school_year, grade)  # it governs: the semester was assessed under it
    same = (rules.weight_gk, rules.weight_ck) == (CIRCULAR_22.weight_gk, CIRCULAR_22.weight_ck)
    return assessed if same else None


def _linked(held: SourceRecords, school: SourceRecords, links: dict[str, str], period: str):
    """(key, anchor, the student, the held result of ``period``) for every linked student with one.
    ``anchor`` is the identity source's key (results are kept under it); records name it under
    ``identity`` (the identity source), falling back to the results source when they are one."""
    for key, anchor in links.items():
        result = held.results.get(f"{anchor}:{period}")
        if result is not None:
            yield key, anchor, school.students[key], result


def _averages(
    held: SourceRecords,
    sheets: ParsedSheets,
    school: SourceRecords,
    links: dict[str, str],
    school_year: str,
    semester: str,
    identity: str | None = None,
) -> list[Discrepancy]:
    """Each subject average the results source holds against the one recomputed from the school's
    sheet: the semester's assessment when the student's sheets give one (the averages computed
    once, for the learning levels too), else from the sheet alone."""
    out = []
    known = catalogs.subjects()  # looked up here: 12 subjects of each of thousands of results
    for key, anchor, student, result in _linked(held, school, links, semester):
        assessed = None
        for code, value in result.subjects.items():
            info = known.get(code) or catalogs.subject(code)  # an unknown code refused as there
            if info.by_comment or not isinstance(value, Decimal):
                continue
            if assessed is None:
                assessed = _assessed(sheets, key, student, school_year, semester) or ({}, None)
            expected = assessed[0].get(info.code)
            if not isinstance(expected, Decimal):
                values = sheets.values(f"{key}:{info.code}:{semester}", False)
                expected = _recomputed(values) if values else None
            if expected is None or expected == value:
                continue
            name, cls = student.full_name, student.class_code
            out.append(
                Discrepancy(
                    "average_mismatch",
                    name,
                    {school.name: key, (identity or held.name): anchor},
                    "DiemTB",
                    {held.name: format_score(value), school.name: format_score(expected)},
                    f"ĐTB môn {info.name} HK{semester} của em {name} ({cls}): {held.title} "
                    f"{format_score(value)} – tính lại từ điểm {school.title} {format_score(expected)}",
                    cls,
                    info.code,
                    semester,
                    suggestion=f"Gửi lại kết quả học kỳ lên {held.title}",
                )
            )
    return out


def _semester_level(sheets: ParsedSheets, key: str, grade: int, school_year: str, semester: str) -> str | None:
    """The learning level of a semester recomputed (Circular 22) from the school's score sheets."""
    assessed = sheets.semester(key, school_year, grade, semester)
    return assessed[1] if assessed is not None else None


def _learning(
    held: SourceRecords,
    sheets: ParsedSheets,
    school: SourceRecords,
    links: dict[str, str],
    school_year: str,
    semester: str,
    identity: str | None = None,
) -> list[Discrepancy]:
    out = []
    for key, anchor, student, result in _linked(held, school, links, semester):
        level = result.learning
        if not level or not (student.class_code or "")[:1].isdigit():
            continue
        expected = _semester_level(sheets, key, int(student.class_code[0]), school_year, semester)
        if expected is None or expected == level:
            continue
        name, cls = student.full_name, student.class_code
        out.append(
            Discrepancy(
                "result_mismatch",
                name,
                {school.name: key, (identity or held.name): anchor},
                "KetQuaHocTap",
                {held.name: level, school.name: expected},
                f"Kết quả học tập HK{semester} của em {name} ({cls}): {held.title} «{LEVEL_WORDS[level]}» "
                f"– tính lại theo Thông tư 22 từ điểm {school.title} «{LEVEL_WORDS[expected]}»",
                cls,
                None,
                semester,
                suggestion=f"Gửi lại kết quả học kỳ lên {held.title} sau khi Hiệu trưởng duyệt",
            )
        )
    return out


def _training(
    held: SourceRecords, school: SourceRecords, links: dict[str, str], semester: str, identity: str | None = None
) -> list[Discrepancy]:
    """The semester's training level: given by the homeroom teacher in the school's record, copied to the results."""
    out = []
    for key, anchor, student, result in _linked(held, school, links, semester):
        given, level = school.training.get(f"{key}:{semester}"), result.training
        if not given or not level or given == level:
            continue
        name, cls = student.full_name, student.class_code
        out.append(
            Discrepancy(
                "result_mismatch",
                name,
                {school.name: key, (identity or held.name): anchor},
                "KetQuaRenLuyen",
                {held.name: level, school.name: given},
                f"Kết quả rèn luyện HK{semester} của em {name} ({cls}): {held.title} "
                f"«{LEVEL_WORDS.get(level, level)}» – {school.title} «{LEVEL_WORDS.get(given, given)}»",
                cls,
                None,
                semester,
                suggestion=f"Gửi lại kết quả học kỳ lên {held.title} theo đánh giá của giáo viên chủ nhiệm",
            )
        )
    return out


def absence_counts(school: SourceRecords, first: date, last: date) -> dict[str, dict[str, int]]:
    """Excused (``P``) and unexcused (``K``) sessions per student between two days, counted once."""
    counted: dict[str, dict[str, int]] = {}
    for absence in school.absences:
        if first <= absence.day <= last:
            kinds = counted.setdefault(absence.student_id, {"P": 0, "K": 0})
            kinds[absence.kind] += 1
    return counted


def _absences(
    held: SourceRecords,
    school: SourceRecords,
    links: dict[str, str],
    school_year: str,
    semester: str,
    today: date,
    identity: str | None = None,
) -> list[Discrepancy]:
    first, last = semester_bounds(int(school_year[:4]), semester)
    counted = absence_counts(school, first, min(last, today))
    out = []
    for key, anchor, student, result in _linked(held, school, links, semester):
        mine = counted.get(key, {"P": 0, "K": 0})
        theirs = {"P": result.absences_excused, "K": result.absences_unexcused}
        if mine != theirs:
            name, cls = student.full_name, student.class_code
            out.append(
                Discrepancy(
                    "absence_mismatch",
                    name,
                    {school.name: key, (identity or held.name): anchor},
                    "so_buoi_nghi",
                    {school.name: mine, held.name: theirs},
                    f"Số buổi nghỉ HK{semester} của em {name} ({cls}): {school.title} có phép "
                    f"{mine['P']}, không phép {mine['K']} – {held.title} có phép {theirs['P']}, "
                    f"không phép {theirs['K']}",
                    cls,
                    semester=semester,
                    suggestion=f"Đối chiếu sổ điểm danh và cập nhật {held.title}",
                )
            )
    return out
