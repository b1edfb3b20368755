"""Settings read from the environment (``LIENTHONG_*``) and an optional TOML file.

The TOML file is named by ``LIENTHONG_CONFIG``; environment variables win over it.
Credentials never live in the TOML: they come from environment variables
(``LIENTHONG_VNEDU_CLIENT_SECRET``, ``LIENTHONG_CSDL_PASSWORD``, ``LIENTHONG_PORTAL_API_KEY``)
or from a secrets file named by ``secrets_file``; a TOML that holds one is refused.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from lienthong.config.environment import BadEnvironmentValue, gather
from lienthong.config.records import RecordsSettings
from lienthong.config.school_year import is_school_year

DEFAULT_DATABASE_URL = "sqlite:///./lienthong.db"
# Secrets that are not a platform's: name → (environment variable, key in the secrets file).
OTHER_SECRETS = {"audit": ("LIENTHONG_AUDIT_KEY", "audit_key")}
SECRET_NAMES = {
    "vnedu": ("client_secret", "LIENTHONG_VNEDU_CLIENT_SECRET", "vnedu_client_secret"),
    "csdl": ("password", "LIENTHONG_CSDL_PASSWORD", "csdl_password"),
    "portal": ("api_key", "LIENTHONG_PORTAL_API_KEY", "portal_api_key"),
}
_SECRETISH = re.compile(r"(secret|password|mat_khau|api_key|token)", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting that is missing or wrong, named so that IT can fix it."""


class VneduSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    client_id: str
    rate_limit: float = 10.0


class CsdlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    username: str
    rate_limit: float = 5.0


class PortalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str
    ma_tinh: str
    ma_xa: str
    rate_limit: float = 5.0


class PlatformEntry(BaseModel):
    """A platform whose connector does not ship with lienthong, named in configuration:
    ``[platforms.NAME] connector = "package.module:Class"`` plus that connector's own settings."""

    model_config = ConfigDict(extra="allow")

    connector: str

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ScoreAuthoritySettings(BaseModel):
    """Who owns score sheets (``[authority.scores]``): the owner's values are pushed to the
    targets; the change kinds in ``approval`` wait for the principal (Suối Ngô regulation, art. 9)."""

    model_config = ConfigDict(extra="forbid")

    owner: str = "gradebook"
    targets: list[str] = ["vnedu"]
    approval: list[Literal["fill", "blank", "correction"]] = ["correction"]

    @model_validator(mode="after")
    def _corrections_need_the_principal(self) -> "ScoreAuthoritySettings":
        # Suối Ngô art. 9: a correction of an entered score never goes out unapproved; not configurable
        if "correction" not in self.approval:
            raise SettingsError(
                "authority.scores.approval phải có «correction»: sửa điểm đã nhập luôn cần Hiệu trưởng "
                "duyệt (Quy chế Suối Ngô, Điều 9)"
            )
        return self


class AuthoritySettings(BaseModel):
    """Which platform plays which part in reconciliation (``[authority]``)."""

    model_config = ConfigDict(extra="forbid")

    identity: str = "csdl"  # issues the Mã định danh: every other platform's students are linked to its
    school: str = "vnedu"  # the school's record: classes, status, training, attendance, score sheets
    results: str = "csdl"  # holds the semester and year results that are recomputed and checked
    scores: ScoreAuthoritySettings = ScoreAuthoritySettings()


class ScheduleSettings(BaseModel):
    """Crontab lines, read in the configured timezone (Asia/Ho_Chi_Minh)."""

    model_config = ConfigDict(extra="forbid")

    incremental: str = "*/30 6-18 * * 1-6"  # every 30 minutes in school hours, Monday to Saturday
    full: str = "0 2 * * *"  # a full sync every night at 02:00
    run_at_start: bool = True
    metrics_port: int = 9108
    backup: str = "0 2 * * 0"  # a backup every Sunday at 02:00 into [records] archive_dir; "" for none
    semester_ends: list[str] = ["01-15", "05-31"]
    """Days (MM-DD) ending semester I and semester II (the school year), each backed up at 22:00
    (Bình An regulation, art. 8); the defaults are the ministry's yearly plan (`mapping.calendar`)."""

    @model_validator(mode="after")
    def _days(self) -> "ScheduleSettings":
        for day in self.semester_ends:
            if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", day):
                raise SettingsError(f"schedule.semester_ends: «{day}» phải có dạng MM-DD, ví dụ 01-15")
        return self


class SchoolWindowSettings(BaseModel):
    """A window the school sets for entering data (Suoi Ngo regulation, art. 3)."""

    model_config = ConfigDict(extra="forbid")

    semester: str  # "1", "2"
    kind: str = "diem"  # diem | diem_danh | hanh_kiem
    opens: datetime
    closes: datetime


class FileSettings(BaseModel):
    """How the school's own files are read, said once instead of with every import."""

    model_config = ConfigDict(extra="forbid")

    # how split tests combine (multiple-choice + written parts), as `import --map` takes it:
    # "GK=GKTN+GKTH,CK=CKTN+CKTH"; empty: parts are reported as not used until the school says
    gradebook_parts: str = ""


class EngineSettings(BaseModel):
    """How the work runs (``[engine]``): ``embedded`` (one school, SQLite or PostgreSQL, the
    APScheduler daemon of ``lienthong run``) or ``distributed`` (many schools in one PostgreSQL,
    Procrastinate workers started by ``lienthong worker`` and ``lienthong scheduler``)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["embedded", "distributed"] = "embedded"
    concurrency: int = 1  # jobs one worker process runs at a time (``lienthong worker --concurrency``)
    heartbeat_s: float = 10.0  # how often a worker says it is alive
    stalled_after_s: float = 30.0  # a worker silent this long is dead: its jobs are retried by another
    lease_seconds: float = 300.0
    """How long a (school, platform) stays taken by a run that stopped renewing it (a killed worker's):
    must exceed ``retry_budget_s``, or a run still waiting out a platform's retries looks dead."""
    rate_window_s: float = 1.05  # a shared slot frees this long after its answer (platforms count 1 s)

    @model_validator(mode="after")
    def _positive(self) -> "EngineSettings":
        if self.concurrency < 1:
            raise SettingsError("engine.concurrency phải từ 1 trở lên")
        if min(self.heartbeat_s, self.stalled_after_s, self.lease_seconds, self.rate_window_s) <= 0:
            raise SettingsError("engine: các khoảng thời gian phải lớn hơn 0")
        if self.stalled_after_s <= self.heartbeat_s:
            raise SettingsError("engine.stalled_after_s phải lớn hơn engine.heartbeat_s")
        return self


class Settings(BaseModel):
    """What one lienthong installation needs to know: the keywords given, over the ``LIENTHONG_*``
    environment (``LIENTHONG_VNEDU__BASE_URL`` for a nested key, JSON for a table or list), over the
    TOML file named by ``LIENTHONG_CONFIG`` (`config.environment`)."""

    # an unknown key is a typo (``bse_url``): refused, with the nearest known key suggested
    model_config = ConfigDict(extra="forbid", validate_default=True)

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL: SQLite file by default, ``postgresql+psycopg://…`` in production."""

    timezone: str = "Asia/Ho_Chi_Minh"
    ma_truong: str = ""
    school_year: str = ""  # empty: the current one by the clock (a year starts in September)
    secrets_file: Path | None = None
    audit_checkpoint: Path | None = None
    """Append-only file (ideally on a second disk) where each audit entry's checkpoint is written;
    empty: ``audit-checkpoints.log`` beside a SQLite database, none for a server database."""
    retry_budget_s: float = 120.0
    """How long one run keeps retrying a platform that does not answer before reporting it unreachable."""
    vnedu: VneduSettings | None = None
    csdl: CsdlSettings | None = None
    portal: PortalSettings | None = None
    platforms: dict[str, PlatformEntry] = {}
    """Further platforms by name, each with its connector class (see `PlatformEntry`)."""
    schedule: ScheduleSettings = ScheduleSettings()
    authority: AuthoritySettings = AuthoritySettings()
    lock_windows: list[SchoolWindowSettings] = []
    files: FileSettings = FileSettings()
    engine: EngineSettings = EngineSettings()
    records: RecordsSettings = RecordsSettings()
    """Transcripts (học bạ) and their signing keys, backups, retention (`config.records`)."""

    def __init__(self, **values: Any) -> None:
        toml_path = os.environ.get("LIENTHONG_CONFIG")
        if toml_path:
            _refuse_secrets_in(Path(toml_path))
        try:
            gathered = gather(type(self), values, os.environ, Path(toml_path) if toml_path else None)
        except BadEnvironmentValue as exc:
            raise SettingsError(
                f'Biến môi trường {exc.variable} phải là JSON (ví dụ {exc.variable}=\'{{"khoa": "giá trị"}}\' '
                'hoặc \'["a", "b"]\'): sửa giá trị rồi chạy lại'
            ) from None
        super().__init__(**gathered)

    @model_validator(mode="after")
    def _school_code(self) -> "Settings":
        if self.ma_truong and not re.fullmatch(r"\d{8}", self.ma_truong):
            raise SettingsError(f"ma_truong phải gồm 8 chữ số, đang là {self.ma_truong!r}")
        if self.school_year and not is_school_year(self.school_year):
            # every year's records, lock windows and reports are keyed by it: «2025» would match none
            raise SettingsError(
                f"school_year phải là một năm học dạng 2025-2026 (hai năm liền nhau), đang là {self.school_year!r}"
            )
        return self

    def current_school_year(self, today: date | None = None) -> str:
        if self.school_year:
            return self.school_year
        today = today or date.today()
        start = today.year if today.month >= 9 else today.year - 1
        return f"{start}-{start + 1}"

    def section(self, platform: str) -> BaseModel | None:
        """The settings of one platform (its TOML table), or ``None`` when it is not configured."""
        if platform in SECRET_NAMES:
            return getattr(self, platform)
        return self.platforms.get(platform)

    def configured_platforms(self) -> list[str]:
        """The platforms this installation has settings for: the shipped ones with their table, and
        every one the configuration adds."""
        return [name for name in (*SECRET_NAMES, *self.platforms) if self.section(name) is not None]

    def files_only(self) -> bool:
        """Whether the school works from files alone: no platform configured, so nothing is pulled
        or pushed and its records come only from `lienthong import` (and the dashboard's uploads)."""
        return not self.configured_platforms()

    def optional_secret(self, name: str) -> SecretStr | None:
        """A secret that is not a platform's (`OTHER_SECRETS`, e.g. ``audit``), or ``None`` when unset."""
        env_name, file_key = OTHER_SECRETS[name]
        value = os.environ.get(env_name)
        if not value and self.secrets_file:
            value = _read_secrets(self.secrets_file).get(file_key)
        return SecretStr(value) if value else None

    def secret(self, platform: str) -> SecretStr:
        """A platform's credential from the environment or the secrets file, or a clear error.

        The school's own comes first (``LIENTHONG_<MA_TRUONG>_VNEDU_CLIENT_SECRET``, or the key in the
        secrets file's ``[school.<ma_truong>]`` table), then the installation's: a contractor with one
        partner account for all its schools sets it once."""
        _field, env_name, file_key = SECRET_NAMES[platform]
        value = school_secret(self.ma_truong, platform, self.secrets_file) if self.ma_truong else None
        value = value or os.environ.get(env_name)
        if not value and self.secrets_file:
            value = _read_secrets(self.secrets_file).get(file_key)
        if not value:
            where = (
                f" hoặc khoá {file_key} trong {self.secrets_file}"
                if self.secrets_file
                else " hoặc khai báo secrets_file"
            )
            raise SettingsError(f"Thiếu thông tin đăng nhập {platform}: đặt biến môi trường {env_name}{where}")
        return SecretStr(value)

    @staticmethod
    def redact_url(url: str) -> str:
        """The URL with any password replaced, fit for logs and messages."""
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def school_env_name(ma_truong: str, platform: str) -> str:
    """``LIENTHONG_79000701_VNEDU_CLIENT_SECRET``: one school's credential for one platform."""
    return "LIENTHONG_" + ma_truong + "_" + SECRET_NAMES[platform][1].removeprefix("LIENTHONG_")


def school_secret(ma_truong: str, platform: str, secrets_file: Path | None = None) -> str | None:
    """One school's own credential for ``platform`` (environment first, then the secrets file's
    ``[school.<ma_truong>]`` table), or ``None``."""
    value = os.environ.get(school_env_name(ma_truong, platform))
    if not value and secrets_file:
        table = _read_secrets(secrets_file).get("school", {}).get(ma_truong, {})
        value = table.get(SECRET_NAMES[platform][2]) if isinstance(table, dict) else None
    return value or None


def _refuse_secrets_in(path: Path) -> None:
    if not path.is_file():
        raise SettingsError(f"Không đọc được tệp cấu hình {path} (LIENTHONG_CONFIG)")
    found: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            elif _SECRETISH.search(key) and key != "secrets_file":
                found.append(prefix + key)
            elif isinstance(value, str) and re.search(r"://[^/@:]+:[^@/]+@", value):
                found.append(f"{prefix}{key} (mật khẩu trong địa chỉ)")  # a URL carrying its password

    import tomllib  # only where a TOML file is named (see `config.environment._toml`)

    walk(tomllib.loads(path.read_text(encoding="utf-8")), "")
    if found:
        raise SettingsError(
            f"Tệp cấu hình {path} chứa thông tin bí mật ({', '.join(found)}): hãy xoá khỏi tệp và "
            "đặt bằng biến môi trường hoặc secrets_file"
        )


def _read_secrets(path: Path) -> dict[str, str]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"Không đọc được secrets_file {path}: {exc}") from None


def nearest_key(location: tuple) -> str | None:
    """The known setting closest to an unknown one at ``location`` (``("vnedu", "bse_url")``)."""
    import difflib

    model: Any = Settings
    for part in location[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        annotation = field.annotation if field else None
        model = next((a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")), None)
        if model is None:
            return None
    known = list(getattr(model, "model_fields", {}))
    found = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.6)
    return ".".join([*map(str, location[:-1]), found[0]]) if found else None
