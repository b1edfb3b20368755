"""Connectors built from settings: the one place that knows which config feeds which class."""

from __future__ import annotations

from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.base import Connector
from lienthong.connectors.csdl.soap import CsdlConfig, CsdlSoap
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.http import RetryPolicy
from lienthong.connectors.portal.api import PortalApi, PortalConfig
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig


def build_connectors(settings: Settings) -> dict[str, Connector]:
    """Every configured platform's connector; missing credentials fail here, at start-up."""
    if not settings.ma_truong:
        raise ConfigError("config", "Chưa khai báo ma_truong (mã trường 8 chữ số) trong cấu hình")
    year = settings.current_school_year()
    built: dict[str, Connector] = {}
    policy = RetryPolicy(budget=settings.retry_budget_s)
    try:
        if settings.vnedu:
            built["vnedu"] = VneduApi(VneduConfig(settings.vnedu.base_url, settings.ma_truong, settings.vnedu.client_id,
                                                  settings.secret("vnedu"), int(year[:4]), settings.vnedu.rate_limit),
                                     policy=policy)
        if settings.csdl:
            built["csdl"] = CsdlSoap(CsdlConfig(settings.csdl.endpoint, settings.ma_truong, settings.csdl.username,
                                                settings.secret("csdl"), year, settings.csdl.rate_limit), policy=policy)
        if settings.portal:
            built["portal"] = PortalApi(PortalConfig(settings.portal.base_url, settings.secret("portal"),
                                                     settings.ma_truong, settings.portal.ma_tinh, settings.portal.ma_xa,
                                                     year, settings.portal.rate_limit), policy=policy)
    except SettingsError as exc:
        raise ConfigError("config", str(exc)) from None
    if not built:
        raise ConfigError("config", "Chưa cấu hình hệ thống nào ([vnedu], [csdl] hoặc [portal] trong tệp cấu hình)")
    return built
