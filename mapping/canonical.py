"""The canonical model: the one vocabulary every part of lienthong speaks.

Platform shapes stop at `mapping/`; everything past it sees these pydantic models.
Scores are exact `Decimal` values with one decimal place; comment subjects carry
`Mark` values (Đ/CĐ). Identifiers of every platform are kept side by side on the
student (`links`), never overwritten.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from lienthong.mapping import catalogs
from lienthong.mapping.errors import MappingError
from lienthong.mapping.normalize import (
    clean_name,
    parse_assessment_value,
    parse_date,
    parse_score,
    restore_digits,
)


class Semester(str, Enum):
    HK1 = "1"
    HK2 = "2"


class Period(str, Enum):
    """A result period: a semester or the whole year (cả năm)."""

    HK1 = "1"
    HK2 = "2"
    CN = "CN"


class Mark(str, Enum):
    """Result of a subject assessed by comment."""

    DAT = "Đ"
    CHUA_DAT = "CĐ"


class Level(str, Enum):
    """Learning or training level (Thông tư 22): Tốt, Khá, Đạt, Chưa đạt."""

    TOT = "T"
    KHA = "K"
    DAT = "Đ"
    CHUA_DAT = "CĐ"

    @property
    def rank(self) -> int:
        """3 for Tốt down to 0 for Chưa đạt."""
        return _LEVEL_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> "Level":
        return _RANK_LEVEL[rank]


_LEVEL_RANK = {Level.TOT: 3, Level.KHA: 2, Level.DAT: 1, Level.CHUA_DAT: 0}
_RANK_LEVEL = {v: k for k, v in _LEVEL_RANK.items()}


class Promotion(str, Enum):
    LEN_LOP = "LL"
    KIEM_TRA_LAI = "KTL"
    REN_LUYEN_HE = "RLH"
    O_LAI_LOP = "OL"


class Title(str, Enum):
    XUAT_SAC = "XS"
    GIOI = "G"


class Session(str, Enum):
    MORNING = "S"
    AFTERNOON = "C"


class AbsenceKind(str, Enum):
    EXCUSED = "P"
    UNEXCUSED = "K"


class Gender(str, Enum):
    NAM = "1"
    NU = "2"


class StudentStatus(str, Enum):
    DANG_HOC = "1"
    CHUYEN_DEN = "2"
    CHUYEN_DI = "3"
    THOI_HOC = "4"
    NGHI_HOC_XIN_HOC_LAI = "5"


class DataKind(str, Enum):
    """What a lock window covers."""

    SCORES = "diem"
    ATTENDANCE = "diem_danh"
    TRAINING = "hanh_kiem"
    STUDENTS = "hoc_sinh"


# --- constrained scalar types ------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _school_year(value: str) -> str:
    match = _YEAR.match(value)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise MappingError("Năm học phải có dạng 2024-2025", value=value)
    return value


def _digits(width: int):
    def check(value: Any) -> str:
        text, restored = restore_digits(value, width)
        if restored:
            raise MappingError(f"Mã số phải đủ {width} chữ số (có thể đã mất số 0 đầu)", value=value)
        return text

    return check


SchoolYear = Annotated[str, AfterValidator(_school_year)]
Score = Annotated[Decimal, BeforeValidator(lambda v: parse_score(v)), PlainSerializer(str)]
MinistryId = Annotated[str, BeforeValidator(_digits(10))]
PersonalId = Annotated[str, BeforeValidator(_digits(12))]
PersonName = Annotated[str, BeforeValidator(lambda v: clean_name(v, field=None))]
DayDate = Annotated[date, BeforeValidator(lambda v: parse_date(v))]
# A value in a score sheet: an exact score, or Đ/CĐ for subjects assessed by comment.
AssessmentValue = Annotated[
    Union[Mark, Decimal],
    BeforeValidator(lambda v: parse_assessment_value(v) if not isinstance(v, Mark) else v),
    PlainSerializer(lambda v: v.value if isinstance(v, Mark) else str(v)),
]


M = TypeVar("M", bound=BaseModel)


class _Model(BaseModel):
    # defer_build: a model's validator is built when it first validates, not when this module is
    # loaded — a command uses a few of these models, and building them all was a tenth of what an
    # incremental `lienthong reconcile` waited for
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True)


class School(_Model):
    ma_truong: Annotated[str, Field(pattern=r"^\d{8}$")]
    name: str
    province_code: Annotated[str, Field(pattern=r"^\d{2}$")]
    commune_code: Annotated[str, Field(pattern=r"^\d{5}$")]


class Teacher(_Model):
    id: str
    full_name: PersonName


class SchoolClass(_Model):
    code: Annotated[str, Field(pattern=r"^[6-9][A-Z0-9]{1,4}$")]
    grade: Annotated[int, Field(ge=6, le=9)]
    school_year: SchoolYear
    homeroom_teacher_id: str | None = None

    @model_validator(mode="after")
    def _grade_matches_code(self) -> "SchoolClass":
        if int(self.code[0]) != self.grade:
            raise MappingError("Mã lớp không khớp với khối", value=self.code, field="code")
        return self


class Subject(_Model):
    code: str
    name: str
    by_comment: bool

    @classmethod
    def from_catalog(cls, code: str) -> "Subject":
        info = catalogs.subject(code)
        return cls(code=info.code, name=info.name, by_comment=info.by_comment)


class Student(_Model):
    """A student; ``id`` is lienthong's own key, ``links`` each platform's key."""

    id: str
    full_name: PersonName
    birth_date: DayDate
    gender: Gender
    ethnicity_code: Annotated[str, Field(pattern=r"^\d{2}$")] = "01"
    class_code: str
    status: StudentStatus = StudentStatus.DANG_HOC
    ministry_id: MinistryId | None = None
    personal_id: PersonalId | None = None
    # platform name → its key for the student; platforms are registered by configuration, so
    # only the name's form is checked here
    links: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_ethnicity(self) -> "Student":
        catalogs.ethnicity(self.ethnicity_code, field="ethnicity_code")
        return self


def student(**given: Any) -> Student:
    """``Student(**given)``, made without running the validator when every value already reads as
    the validator would keep it: nearly every stored record a full reconciliation reads (4,000 in a
    2,000-student school, 0.1 s, and 0.04 s more to build the validator). Any other value goes
    through the validator, which refuses it in its own words; the records made either way are equal
    (tests/mapping/test_trusted_records.py)."""
    fields = _plain_student(given)
    return Student(**given) if fields is None else trusted(Student, fields)


_STUDENT_FIELDS = frozenset(Student.model_fields)
_STUDENT_REQUIRED = frozenset(name for name, info in Student.model_fields.items() if info.is_required())
_LINK_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _plain_student(given: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of ``given`` as the validator keeps them, or ``None`` for a value it may refuse or
    change in a way not followed here (text with spaces around it, a code of another form)."""
    if not _STUDENT_FIELDS.issuperset(given) or not _STUDENT_REQUIRED <= given.keys():
        return None
    fields = dict(given)
    try:
        for name in ("id", "class_code", "ethnicity_code"):
            text = fields.get(name, "01")
            if type(text) is not str or text != text.strip():
                return None
        fields["full_name"] = clean_name(fields["full_name"], field=None)
        fields["birth_date"] = parse_date(fields["birth_date"])
        fields["gender"] = Gender(fields["gender"])
        if "status" in fields:
            fields["status"] = StudentStatus(fields["status"])
        if "ethnicity_code" in fields:
            code = fields["ethnicity_code"]
            if len(code) != 2 or not code.isdigit() or not code.isascii():
                return None
            catalogs.ethnicity(code, field="ethnicity_code")
        for name, width in (("ministry_id", 10), ("personal_id", 12)):
            value = fields.get(name)
            if value is not None:
                if type(value) is not str:
                    return None
                fields[name], restored = restore_digits(value, width)
                if restored:
                    return None
        links = fields.get("links", {})
        if (
            type(links) is not dict
            or not all(type(k) is str and _LINK_NAME.fullmatch(k) for k in links)
            or not all(type(v) is str and v == v.strip() for v in links.values())
        ):
            return None
    except (MappingError, ValueError):  # the validator says it, as it says it
        return None
    return fields


class ScoreSheet(_Model):
    """One student's assessments in one subject for one semester (TX list, GK, CK)."""

    student_id: str
    subject_code: str
    school_year: SchoolYear
    semester: Semester
    tx: list[AssessmentValue | None] = Field(default_factory=list, max_length=4)
    gk: AssessmentValue | None = None
    ck: AssessmentValue | None = None
    comment: str = ""

    @model_validator(mode="after")
    def _values_fit_subject(self) -> "ScoreSheet":
        info = catalogs.subject(self.subject_code)
        expected = Mark if info.by_comment else Decimal
        for name, value in [*((f"tx[{i}]", v) for i, v in enumerate(self.tx)), ("gk", self.gk), ("ck", self.ck)]:
            if value is not None and not isinstance(value, expected):
                reason = (
                    "Môn đánh giá bằng nhận xét chỉ nhận Đ hoặc CĐ"
                    if info.by_comment
                    else "Môn đánh giá bằng điểm số chỉ nhận điểm từ 0 đến 10"
                )
                raise MappingError(reason, value=str(getattr(value, "value", value)), field=name)
        return self


class Absence(_Model):
    student_id: str
    day: DayDate
    session: Session
    kind: AbsenceKind
    reason: str = ""


class TrainingResult(_Model):
    student_id: str
    school_year: SchoolYear
    semester: Semester
    level: Level
    comment: str = ""


class SemesterResult(_Model):
    """What a semester adds up to for one student (also the CSDL's KetQuaHocSinh)."""

    student_id: str
    school_year: SchoolYear
    period: Period
    subjects: dict[str, AssessmentValue | None]
    learning: Level | None
    training: Level | None
    absences_excused: Annotated[int, Field(ge=0)] = 0
    absences_unexcused: Annotated[int, Field(ge=0)] = 0


class YearResult(SemesterResult):
    period: Period = Period.CN
    promotion: Promotion | None = None
    title: Title | None = None
    absence_total: int | None = None  # the year's total as the source states it (a summary may give only this)


class LockWindow(_Model):
    platform: str  # a registered platform's name, or "school" for the school's own windows
    school_year: SchoolYear
    semester: Period
    kind: DataKind
    opens_at: datetime
    closes_at: datetime
    locked: bool

    def is_open(self, at: datetime) -> bool:
        """A window accepts writes between its bounds, unless the platform says locked."""
        return not self.locked and self.opens_at <= at < self.closes_at


class ReportProblem(_Model):
    """A row/column error the reporting portal returned with a refused report."""

    request_code: str
    row: int
    column: str
    message: str


class ReportRequest(_Model):
    """A report the Sở asks for on its portal, and where the school stands with it."""

    code: str
    name: str
    form: str
    status: str  # chua_nop | da_nop | bi_tra_lai | da_duyet
    due: date | None = None


# --- records built from values a mapping has read and checked ---------------------------------

_NOT_GIVEN = object()
_PLANS: dict[type, tuple[dict[str, Any], dict[str, Any]]] = {}
_set = object.__setattr__


def _plan(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(every field in order with the default every record shares, the fields whose default is
    made anew for each record (a list, a dict: `FieldInfo.get_default` makes it))``; a required
    field, or one whose default is made anew, holds ``_NOT_GIVEN`` in the first."""
    if model.__pydantic_post_init__ or model.__pydantic_root_model__ or model.model_config.get("extra") == "allow":
        raise TypeError(f"{model.__name__}: model_construct does more than `trusted` knows")
    template: dict[str, Any] = {}
    made: dict[str, Any] = {}
    for name, info in model.__pydantic_fields__.items():
        template[name] = _NOT_GIVEN
        if info.is_required():
            continue
        if getattr(info, "default_factory_takes_data", False):
            raise TypeError(f"{model.__name__}.{name}: a default made from the other fields")
        default = info.default
        if info.default_factory is None and (
            default is None or type(default) in (int, float, str, bool) or isinstance(default, Enum)
        ):
            template[name] = default  # what `get_default` hands every record: the object itself
        else:
            made[name] = info
    _PLANS[model] = found = (template, made)
    return found


def trusted(model: type[M], values: dict[str, Any]) -> M:
    """``model.model_construct(**values)`` for the values of fields a mapping has read and checked
    (no other key): the same record — fields in order, defaults for those not given, the same fields
    set — in less time, from a plan made once per model (a school's results, summaries and absences
    are some 20,000 records a full reconciliation makes)."""
    template, made = _PLANS.get(model) or _plan(model)
    fields = template.copy()
    fields.update(values)  # each in its field's place
    if len(values) != len(template):
        for name in template.keys() - values.keys():
            if name in made:
                fields[name] = made[name].get_default(call_default_factory=True, validated_data=fields)
            elif fields[name] is _NOT_GIVEN:
                del fields[name]  # a required field not given: as model_construct leaves it, not set
    record = model.__new__(model)
    _set(record, "__dict__", fields)
    _set(record, "__pydantic_fields_set__", set(values))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record
