"""The school registry: ``lienthong schools add``, and each school's settings for its jobs (the
schools side by side, ``schools list``, are `sync.schools_overview`'s).

A school is registered with its name, administrative codes and each platform's settings as its
TOML table would hold them (base URL, client id…); its secrets never enter the database: they
come from ``LIENTHONG_<MA_TRUONG>_VNEDU_CLIENT_SECRET``-style variables or the secrets file's
``[school.<ma_truong>]`` table (`config.settings.school_secret`), else the installation's own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from lienthong.config.settings import (
    SECRET_NAMES,
    CsdlSettings,
    PortalSettings,
    Settings,
    SettingsError,
    VneduSettings,
    school_env_name,
    school_secret,
)
from lienthong.store import schools as registry
from lienthong.store.tables import SchoolRow

PLATFORM_SETTINGS: dict[str, type[BaseModel]] = {"vnedu": VneduSettings, "csdl": CsdlSettings, "portal": PortalSettings}
_SECRETISH = re.compile(r"(secret|password|mat_khau|api_key|token)", re.IGNORECASE)


class RegistryError(ValueError):
    """A school that cannot be registered as given (said in Vietnamese)."""


def platform_settings(platform: str, fields: dict[str, Any]) -> BaseModel:
    """One platform's settings of a school, checked as its TOML table would be; a secret is refused."""
    if platform not in PLATFORM_SETTINGS:
        raise RegistryError(f"Không có hệ thống «{platform}» (có: {', '.join(PLATFORM_SETTINGS)})")
    secret = sorted(name for name in fields if _SECRETISH.search(name))
    if secret:
        raise RegistryError(
            f"{platform}: không lưu thông tin bí mật ({', '.join(secret)}) trong CSDL; đặt biến môi trường "
            f"LIENTHONG_<MÃ_TRƯỜNG>_{SECRET_NAMES[platform][1].removeprefix('LIENTHONG_')} hoặc secrets_file"
        )
    try:
        return PLATFORM_SETTINGS[platform].model_validate(fields)
    except (ValidationError, SettingsError) as exc:
        raise RegistryError(f"{platform}: cấu hình không hợp lệ ({_first_error(exc)})") from None


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
    return str(exc)


def add_school(
    engine: sa.Engine,
    ma_truong: str,
    name: str,
    province_code: str,
    commune_code: str,
    platforms: dict[str, dict[str, Any]],
    at: datetime,
) -> SchoolRow:
    """Register a school (or replace its registration) with the settings of each platform it uses."""
    if not re.fullmatch(r"\d{8}", ma_truong or ""):
        raise RegistryError(f"Mã trường phải gồm 8 chữ số, đang là «{ma_truong}»")
    if not re.fullmatch(r"\d{2}", province_code or "") or not re.fullmatch(r"\d{5}", commune_code or ""):
        raise RegistryError("Mã tỉnh gồm 2 chữ số, mã xã gồm 5 chữ số (mã đơn vị hành chính 2025)")
    if not name.strip():
        raise RegistryError("Thiếu tên trường")
    checked = {p: platform_settings(p, f).model_dump(mode="json") for p, f in sorted(platforms.items())}
    if not checked:
        raise RegistryError("Trường chưa dùng hệ thống nào: khai báo ít nhất một (vnedu, csdl, portal)")
    row = SchoolRow(
        ma_truong=ma_truong,
        name=name.strip(),
        province_code=province_code,
        commune_code=commune_code,
        platforms=checked,
        active=True,
        added_at=at,
    )
    with Session(engine) as session:
        saved = registry.save_school(session, row)
        session.commit()
        session.refresh(saved)
        session.expunge(saved)
    return saved


def registered(engine: sa.Engine, ma_truong: str) -> SchoolRow:
    with Session(engine) as session:
        row = registry.school(session, ma_truong)
    if row is None or not row.active:
        raise RegistryError(f"Trường {ma_truong} chưa được đăng ký (lienthong schools add)")
    return row


def all_schools(engine: sa.Engine) -> list[SchoolRow]:
    with Session(engine) as session:
        return registry.schools(session)


def school_settings(base: Settings, row: SchoolRow) -> Settings:
    """The installation's settings as one school's: its code and its platforms (schedule, authority,
    windows and the rest stay the installation's). Its secrets are read when a connector is built."""
    update: dict[str, Any] = {"ma_truong": row.ma_truong, "database_url": base.database_url}
    for platform in PLATFORM_SETTINGS:
        fields = (row.platforms or {}).get(platform)
        update[platform] = platform_settings(platform, fields) if fields is not None else None
    return base.model_copy(update=update)


def missing_secrets(base: Settings, row: SchoolRow) -> list[str]:
    """The variables to set for this school's platforms (neither its own nor the installation's is set)."""
    settings = school_settings(base, row)
    missing = []
    for platform in row.platforms or {}:
        if school_secret(row.ma_truong, platform, base.secrets_file):
            continue
        try:
            settings.secret(platform)
        except SettingsError:
            missing.append(school_env_name(row.ma_truong, platform))
    return missing
