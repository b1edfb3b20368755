"""The registry: configuration names → connector classes. Explicit, no plugin magic."""

from __future__ import annotations

from lienthong.connectors.base import Connector
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.csdl.soap import CsdlSoap
from lienthong.connectors.portal.api import PortalApi
from lienthong.connectors.vnedu.api import VneduApi

REGISTRY: dict[str, type[Connector]] = {
    VneduApi.name: VneduApi,
    CsdlSoap.name: CsdlSoap,
    PortalApi.name: PortalApi,
}


def connector_class(name: str) -> type[Connector]:
    """The connector registered as ``name``; an unknown name lists the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(name, f"Không có kết nối tên {name!r}; các kết nối có: {known}") from None
