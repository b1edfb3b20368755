"""Connectors built from settings: each registered connector reads its own section."""

from __future__ import annotations

from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.base import Connector
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.http import RetryPolicy
from lienthong.connectors.registry import registry


def build_connectors(settings: Settings) -> dict[str, Connector]:
    """Every configured platform's connector; missing credentials fail here, at start-up."""
    if not settings.ma_truong:
        raise ConfigError("config", "Chưa khai báo ma_truong (mã trường 8 chữ số) trong cấu hình")
    policy = RetryPolicy(budget=settings.retry_budget_s)
    built: dict[str, Connector] = {}
    known = registry(settings)
    try:
        for name, cls in known.items():
            section = settings.section(name)
            if section is not None:
                built[name] = cls.from_settings(section, settings, policy)
    except SettingsError as exc:
        raise ConfigError("config", str(exc)) from None
    if not built:
        tables = ", ".join(f"[{name}]" for name in known)
        raise ConfigError("config", f"Chưa cấu hình hệ thống nào ({tables} trong tệp cấu hình)")
    return built
