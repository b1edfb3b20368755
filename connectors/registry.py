"""The registry: configuration names → connector classes. Explicit, no plugin magic: the
connectors shipped with lienthong, plus those a configuration names by import path
(``[platforms.NAME] connector = "package.module:Class"``)."""

from __future__ import annotations

from importlib import import_module

from lienthong.config.settings import Settings
from lienthong.connectors.base import Connector
from lienthong.connectors.csdl.soap import CsdlSoap
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.portal.api import PortalApi
from lienthong.connectors.vnedu.api import VneduApi

REGISTRY: dict[str, type[Connector]] = {
    VneduApi.name: VneduApi,
    CsdlSoap.name: CsdlSoap,
    PortalApi.name: PortalApi,
}


def _load(name: str, path: str) -> type[Connector]:
    module, _, attribute = path.partition(":")
    try:
        found = getattr(import_module(module), attribute)
    except (ImportError, AttributeError, ValueError):
        raise ConfigError(
            "config", f"platforms.{name}.connector: không nạp được {path!r} (dạng đúng: gói.mô_đun:TênLớp)"
        ) from None
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise ConfigError("config", f"platforms.{name}.connector: {path!r} không phải một kết nối (Connector)")
    return found


def registry(settings: Settings | None = None) -> dict[str, type[Connector]]:
    """Every known connector: the shipped ones and those the configuration adds."""
    known = dict(REGISTRY)
    for name, entry in (settings.platforms if settings else {}).items():
        if name in known:
            raise ConfigError("config", f"platforms.{name}: tên này đã là một hệ thống có sẵn")
        known[name] = _load(name, entry.connector)
    return known


def connector_class(name: str, settings: Settings | None = None) -> type[Connector]:
    """The connector registered as ``name``; an unknown name lists the known ones."""
    known = registry(settings)
    try:
        return known[name]
    except KeyError:
        raise ConfigError(name, f"Không có kết nối tên {name!r}; các kết nối có: {', '.join(sorted(known))}") from None
