"""SQLModel tables (storage). The canonical pydantic models are the vocabulary; these are
how it is kept. `store.records` maps between the two explicitly.

Scores are stored as text (``"8.5"``, ``"Đ"``) so that exact decimals and marks survive
every database unchanged.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlmodel import AutoString, Field, SQLModel

from lienthong.store.tenancy import column_default


def _json() -> Any:
    return Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))


class UtcDateTime(sa.types.TypeDecorator):
    """A moment, written as UTC. SQLite keeps a time as text without its offset, so a time given
    in Vietnam's +07:00 would come back seven hours off when read as UTC, as every reader here
    does; PostgreSQL converts by itself, and gets the same instant either way."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(timezone.utc)
        return value


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(UtcDateTime(), **kwargs))


def _school(key: bool = True) -> Any:
    """The school a row belongs to (`store.tenancy`): part of the table's primary key where a
    natural key (a class code, a teacher id, a platform's key) is only unique within one school;
    filled from the session's or connection's school when not given."""
    if key:
        column = sa.Column("ma_truong", AutoString(length=8), primary_key=True, default=column_default)
        return Field(default=None, sa_column=column)
    return Field(default=None, max_length=8, index=True, nullable=False, sa_column_kwargs={"default": column_default})


def _within_school(school: Any, *key: str) -> dict[str, Any]:
    """How the ORM knows a row of a school table: by the key the school knows it by (a session
    sees one school, `store.tenancy`), while every UPDATE and DELETE it writes also names the row's
    school (its ``version_id_col``, never generated): a row of another school with the same key is
    never touched, on SQLite too, and ``session.get(Row, key)`` works as before."""
    return {"primary_key": list(key), "version_id_col": school.sa_column, "version_id_generator": False}


def _of_student(*more: Any) -> tuple:
    """A row about one student of the school: the student is looked up within the same school."""
    return (_within(["ma_truong", "student_id"], ["student.ma_truong", "student.id"]), *more)


def _within(columns: list[str], refers: list[str]) -> sa.ForeignKeyConstraint:
    """A reference within one school; a store's rows given its school's code (`store.tenancy`)
    carry their references along."""
    return sa.ForeignKeyConstraint(columns, refers, onupdate="CASCADE")


class SchoolRow(SQLModel, table=True):
    """A school of the installation; in distributed mode, also what its jobs need (the registry,
    `lienthong schools add`). ``platforms`` holds each enabled platform's settings as its TOML
    table would (``{"vnedu": {"base_url": …, "client_id": …}}``), never a secret: those come from
    ``LIENTHONG_<MA_TRUONG>_…`` variables or the secrets file."""

    __tablename__ = "school"

    ma_truong: str = Field(primary_key=True, max_length=8)
    name: str
    province_code: str = Field(max_length=2)
    commune_code: str = Field(max_length=5)
    platforms: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False, server_default="{}"))
    active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.true()))
    added_at: Optional[datetime] = _when(nullable=True)


class TeacherRow(SQLModel, table=True):
    __tablename__ = "teacher"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "id")

    id: str = Field(primary_key=True)
    full_name: str


class ClassRow(SQLModel, table=True):
    __tablename__ = "school_class"
    __table_args__ = (_within(["ma_truong", "homeroom_teacher_id"], ["teacher.ma_truong", "teacher.id"]),)
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "school_year", "code")

    school_year: str = Field(primary_key=True, max_length=9)
    code: str = Field(primary_key=True, max_length=8)
    grade: int
    homeroom_teacher_id: Optional[str] = None


class StudentRow(SQLModel, table=True):
    __tablename__ = "student"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "id")

    id: str = Field(primary_key=True)
    full_name: str
    name_key: str = Field(index=True)  # folded for matching (tone placement, NFD, case)
    birth_date: date
    gender: str = Field(max_length=1)
    ethnicity_code: str = Field(max_length=2)
    class_code: str = Field(index=True, max_length=8)
    status: str = Field(max_length=1)
    ministry_id: Optional[str] = Field(default=None, max_length=10, unique=True)
    personal_id: Optional[str] = Field(default=None, max_length=12, index=True)


class StudentLinkRow(SQLModel, table=True):
    """One platform's key for a student; every platform's key is kept side by side."""

    __tablename__ = "student_link"
    __table_args__ = _of_student(sa.UniqueConstraint("ma_truong", "student_id", "platform"))
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "platform", "external_key")

    platform: str = Field(primary_key=True, max_length=16)
    external_key: str = Field(primary_key=True)
    student_id: str = Field(index=True)


class ScoreSheetRow(SQLModel, table=True):
    __tablename__ = "score_sheet"
    __table_args__ = _of_student()
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "student_id", "subject_code", "school_year", "semester")

    student_id: str = Field(primary_key=True)
    subject_code: str = Field(primary_key=True, max_length=8)
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=1)
    tx: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    gk: Optional[str] = Field(default=None, max_length=4)
    ck: Optional[str] = Field(default=None, max_length=4)
    comment: str = ""


class AbsenceRow(SQLModel, table=True):
    __tablename__ = "absence"
    __table_args__ = _of_student()
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "student_id", "day", "session")

    student_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    session: str = Field(primary_key=True, max_length=1)
    kind: str = Field(max_length=1)
    reason: str = ""


class TrainingResultRow(SQLModel, table=True):
    __tablename__ = "training_result"
    __table_args__ = _of_student()
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "student_id", "school_year", "semester")

    student_id: str = Field(primary_key=True)
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=1)
    level: str = Field(max_length=2)
    comment: str = ""


class PeriodResultRow(SQLModel, table=True):
    """A semester's or the year's result (SemesterResult / YearResult)."""

    __tablename__ = "period_result"
    __table_args__ = _of_student()
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "student_id", "school_year", "period")

    student_id: str = Field(primary_key=True)
    school_year: str = Field(primary_key=True, max_length=9)
    period: str = Field(primary_key=True, max_length=2)
    subjects: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    learning: Optional[str] = Field(default=None, max_length=2)
    training: Optional[str] = Field(default=None, max_length=2)
    absences_excused: int = 0
    absences_unexcused: int = 0
    promotion: Optional[str] = Field(default=None, max_length=3)
    title: Optional[str] = Field(default=None, max_length=2)


class LockWindowRow(SQLModel, table=True):
    __tablename__ = "lock_window"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "platform", "school_year", "semester", "kind")

    platform: str = Field(primary_key=True, max_length=16)
    school_year: str = Field(primary_key=True, max_length=9)
    semester: str = Field(primary_key=True, max_length=2)
    kind: str = Field(primary_key=True, max_length=16)
    opens_at: datetime = _when(nullable=False)
    closes_at: datetime = _when(nullable=False)
    locked: bool


class SourceSnapshotRow(SQLModel, table=True):
    """The last record seen from a source, by key: what pulls compare against.

    Upserted by (source, entity, key) with the platform's version and a content hash, so
    that re-pulling unchanged records writes nothing and stale versions never win.
    """

    __tablename__ = "source_snapshot"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "source", "entity", "key")

    source: str = Field(primary_key=True, max_length=16)
    entity: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True)
    version: int
    content_hash: str = Field(max_length=64)
    payload: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    seen_at: datetime = _when(nullable=False)


class SourceReadRow(SQLModel, table=True):
    """When lienthong last read each source: the last time a pull or an import wrote or saw again
    any of its records (``source_snapshot.seen_at``), kept by the writers of ``source_snapshot``
    (`store.reconcile_queries.mark_read`; migration 0020 says why it is not an index on
    ``seen_at``). Read by `store.reconcile_queries.last_seen` and the dashboard."""

    __tablename__ = "source_read"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "source")

    source: str = Field(primary_key=True, max_length=16)
    read_at: datetime = _when(nullable=False)


class SnapshotChangeRow(SQLModel, table=True):
    """A stored record whose content changed (``change`` ``changed``), that went (``removed``: deleted,
    or moved to another key) or that was added while the school keeps a reconciliation state
    (``added``: attendance only, migration 0017), written by triggers on ``source_snapshot``
    (migration 0016, which says why), the additions by the writers (migration 0019), for the
    next reconciliation, which deletes the rows it took into account."""

    __tablename__ = "snapshot_change"
    __table_args__ = (sa.Index("ix_snapshot_change_ma_truong", "ma_truong", "id"),)

    id: Optional[int] = Field(
        default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    )
    ma_truong: str = Field(max_length=8)
    source: str = Field(max_length=16)
    entity: str = Field(max_length=32)
    key: str
    change: str = Field(max_length=8)


# --- the sync engine's state ----------------------------------------------------------------


class SyncCursorRow(SQLModel, table=True):
    """Where an incremental pull resumes; committed with the snapshots it covers."""

    __tablename__ = "sync_cursor"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "platform", "entity", "scope")

    platform: str = Field(primary_key=True, max_length=16)
    entity: str = Field(primary_key=True, max_length=32)
    scope: str = Field(primary_key=True, max_length=64)
    cursor: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    updated_at: datetime = _when(nullable=False)


class SyncRunRow(SQLModel, table=True):
    __tablename__ = "sync_run"
    # a school's latest runs, and each platform's last good one, from the index alone (migration 0013)
    __table_args__ = (
        sa.Index(
            "ix_sync_run_school_latest",
            "ma_truong",
            "id",
            postgresql_include=["platforms", "status", "dry_run", "started_at", "finished_at"],
        ),
    )
    ma_truong: Optional[str] = _school(key=False)

    id: Optional[int] = Field(default=None, primary_key=True)
    started_at: datetime = _when(nullable=False)
    finished_at: Optional[datetime] = _when(nullable=True)
    platforms: str
    mode: str = Field(max_length=16)  # incremental | full
    dry_run: bool = False
    status: str = Field(max_length=16, index=True)  # running | completed | held | failed
    summary: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    hold_reason: str = ""
    approved_by: Optional[str] = None
    approved_at: Optional[datetime] = _when(nullable=True)


class OutboxItemRow(SQLModel, table=True):
    """One change to send, written in the same transaction as the decision to send it.

    ``batch_key`` is assigned (and committed) before sending, so that a batch interrupted
    by a crash is sent again with the same idempotency key and applied once.
    """

    __tablename__ = "outbox_item"
    __table_args__ = (sa.Index("ix_outbox_live", "ma_truong", "platform", "entity", "key", "status"),)
    ma_truong: Optional[str] = _school(key=False)

    id: Optional[int] = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="sync_run.id", index=True)
    platform: str = Field(max_length=16)
    entity: str = Field(max_length=32)
    key: str
    payload: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    kind: str = Field(max_length=16)  # fill | correction | blank
    status: str = Field(max_length=24, index=True)
    batch_key: Optional[str] = Field(default=None, max_length=64, index=True)
    attempts: int = 0
    message: str = ""
    created_at: datetime = _when(nullable=False)
    updated_at: datetime = _when(nullable=False)


class AuditLogRow(SQLModel, table=True):
    """Append-only, hash-chained: each entry's hash covers its content and the previous hash."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.UniqueConstraint("ma_truong", "hash"),)
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "id")

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = _when(nullable=False)
    actor: str
    action: str = Field(max_length=64)
    detail: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # HMAC-SHA256 of `hash` under the installation's audit key: without the key, a rewritten
    # chain cannot be re-signed. Empty for entries written while no key was set.
    hmac: Optional[str] = Field(default=None, max_length=64)


class DiscrepancyRow(SQLModel, table=True):
    """A difference a person must look at; kept across runs by its stable id, closed when the
    sources agree again (reopened if they part again)."""

    __tablename__ = "discrepancy"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "id")

    id: str = Field(primary_key=True, max_length=16)
    kind: str = Field(max_length=32, index=True)
    class_code: Optional[str] = Field(default=None, max_length=8, index=True)
    record: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    status: str = Field(max_length=16, index=True)  # open | closed
    assignee: Optional[str] = None  # the homeroom teacher (GVCN) of the class, when known
    first_seen: datetime = _when(nullable=False)
    last_seen: datetime = _when(nullable=False)
    closed_at: Optional[datetime] = _when(nullable=True)


class ImportedFileRow(SQLModel, table=True):
    """A file someone imported: its SHA-256 is the source version of what it brought in, so
    the same file imported again changes nothing."""

    __tablename__ = "imported_file"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "sha256")

    sha256: str = Field(primary_key=True, max_length=64)
    name: str
    kind: str = Field(max_length=24)
    school_year: Optional[str] = Field(default=None, max_length=9)
    imported_at: datetime = _when(nullable=False)
    actor: str
    summary: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    # What its last import stored (`store.imports.packed`: each record's entity, key and content
    # hash): the same file read again another way takes back what it no longer brings.
    records: Optional[bytes] = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))


class ResolutionRow(SQLModel, table=True):
    """One step of resolving a discrepancy (proposed, approved, rejected), never edited: the
    workflow's state is the last step; every step is also in the hash-chained audit log."""

    __tablename__ = "resolution"
    __table_args__ = (_within(["ma_truong", "discrepancy_id"], ["discrepancy.ma_truong", "discrepancy.id"]),)
    ma_truong: Optional[str] = _school(key=False)

    id: Optional[int] = Field(default=None, primary_key=True)
    discrepancy_id: str = Field(index=True, max_length=16)
    step: str = Field(max_length=16)  # proposed | approved | rejected
    actor: str
    role: str = Field(max_length=16)  # gvcn | hieu_truong | it
    value: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    reason: str = ""
    at: datetime = _when(nullable=False)


class UserRow(SQLModel, table=True):
    """An account: who acts. Identity is the id, never a typed name; the password is an Argon2 hash."""

    __tablename__ = "user_account"

    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, sa_column_kwargs={"unique": True})  # folded: lower case, no spaces
    full_name: str
    role: str = Field(max_length=24)  # it | principal | board | department_head | gvcn | teacher | parent | so_gddt
    password_hash: str
    disabled: bool = False
    created_at: datetime = _when(nullable=False)
    created_by: Optional[int] = None
    password_changed_at: datetime = _when(nullable=False)
    # The school whose staff the account is (`store.tenancy`: what it acts on); none for a Sở officer
    # (her schools are scopes) or the installation's IT. Not a tenancy column: accounts are read
    # under every scope.
    ma_truong: Optional[str] = Field(default=None, max_length=8, index=True)


class UserScopeRow(SQLModel, table=True):
    """What an account may act on: a class (GVCN, subject teacher), a subject (subject teacher,
    department head), a student (parent), the principal's delegation (board member), or a school
    (a Sở officer: its code, or ``*`` for every school)."""

    __tablename__ = "user_scope"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id")
    kind: str = Field(primary_key=True, max_length=16)  # class | subject | student | delegation | school
    value: str = Field(primary_key=True, max_length=64)


class SessionTokenRow(SQLModel, table=True):
    """A signed-in session (`lienthong login`, later the dashboard): only the token's hash is kept."""

    __tablename__ = "session_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = _when(nullable=False)
    expires_at: datetime = _when(nullable=False)
    revoked: bool = False


class RunLeaseRow(SQLModel, table=True):
    """Who may sync a platform now: one row per platform, decided by the primary key.

    A run renews ``expires_at`` while it works and gives the row up when it ends; a row past
    ``expires_at`` belongs to a run that died, and the next run takes it over (and only then
    marks that run interrupted).
    """

    __tablename__ = "run_lease"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "platform")

    platform: str = Field(primary_key=True, max_length=16)
    run_id: int = Field(foreign_key="sync_run.id")
    holder: str = Field(max_length=128)  # hostname:pid, for the person told to wait
    acquired_at: datetime = _when(nullable=False)
    heartbeat_at: datetime = _when(nullable=False)
    expires_at: datetime = _when(nullable=False)


class ReconcileStateRow(SQLModel, table=True):
    """What the last reconciliation of all the school's students read and found, for the next one
    to recompute only the students whose records changed (`reconciliation.register.State`): the
    content hashes of each student's records, the links, and each student's findings. One row;
    the body is JSON text (read back with orjson, never through the ORM)."""

    __tablename__ = "reconcile_state"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "id")

    id: str = Field(primary_key=True, max_length=16)
    version: int
    saved_at: datetime = _when(nullable=False)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class ResultApprovalRow(SQLModel, table=True):
    """A class's results of one period (``HK1``, ``HK2``, ``CN``) on their way to the principal:
    ``chua_xac_nhan`` → ``da_xac_nhan`` (the GVCN confirmed exactly ``fingerprint``, the digest of
    ``content``) → ``da_duyet`` (the principal approved that fingerprint); a reopening (with a
    reason) goes back to ``chua_xac_nhan``. ``content`` is what was confirmed, which an approval
    locks: the year results pushed to the platforms are these values. ``earlier`` keeps each
    student's promotion at the last approval (who passed after a re-test is read against it).
    Every step is also in the hash-chained audit log."""

    __tablename__ = "result_approval"
    ma_truong: Optional[str] = _school()
    __mapper_args__ = _within_school(ma_truong, "school_year", "class_code", "period")

    school_year: str = Field(primary_key=True, max_length=9)
    class_code: str = Field(primary_key=True, max_length=8)
    period: str = Field(primary_key=True, max_length=3)  # HK1 | HK2 | CN
    state: str = Field(max_length=16, index=True)  # chua_xac_nhan | da_xac_nhan | da_duyet
    fingerprint: Optional[str] = Field(default=None, max_length=64)
    content: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    earlier: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
    confirmed_by: Optional[str] = None
    confirmed_at: Optional[datetime] = _when(nullable=True)
    approved_by: Optional[str] = None
    approved_at: Optional[datetime] = _when(nullable=True)
    ever_approved: bool = False  # approved at least once: a later correction needs witnesses
    reopened_by: Optional[str] = None
    reopened_at: Optional[datetime] = _when(nullable=True)
    reopen_reason: str = ""
    updated_at: datetime = _when(nullable=False)


class RateSlotRow(SQLModel, table=True):
    """The requests sent lately to one platform under one client, by every worker (distributed
    mode): a worker takes a slot under ``SELECT … FOR UPDATE`` of this row, so the platform's
    limit per client holds however many workers there are. ``sent`` is the send times (seconds,
    the database's clock) inside the window."""

    __tablename__ = "rate_slot"

    platform: str = Field(primary_key=True, max_length=16)
    client_id: str = Field(primary_key=True, max_length=128)
    sent: list = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))


class InstallationRunRow(SQLModel, table=True):
    """A job of the whole installation, not of one school (distributed mode): a backup of the
    database with every school's rows. It carries no ``ma_truong`` and no row-level security policy,
    so IT reads it without naming a school (`store.installation`, ``lienthong runs --installation``)."""

    __tablename__ = "installation_run"

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # backup
    reason: str = Field(default="", max_length=32)  # manual · weekly · semester_1 …
    started_at: datetime = _when(nullable=False)
    finished_at: Optional[datetime] = _when(nullable=True)
    status: str = Field(max_length=16)  # completed | failed
    summary: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
