"""What lienthong needs to talk to these simulators: their default ports, the platform tables of
a lienthong configuration pointing at them, and their published demo credentials (README)."""

from __future__ import annotations

from typing import Any

DEFAULT_PORTS = {"vnedu": 8101, "csdl": 8102, "portal": 8103}
DEMO_SECRETS = {"vnedu_client_secret": "demo-secret", "csdl_password": "demo", "portal_api_key": "demo-key"}


def platform_settings(urls: dict[str, str], province_code: str, commune_code: str) -> dict[str, dict[str, Any]]:
    """The ``[vnedu]``, ``[csdl]`` and ``[portal]`` tables for simulators serving at ``urls``
    (each simulator's base address)."""
    return {
        "vnedu": {"base_url": urls["vnedu"], "client_id": "lienthong-demo"},
        "csdl": {"endpoint": urls["csdl"] + "/csdl", "username": "demo"},
        "portal": {"base_url": urls["portal"], "ma_tinh": province_code, "ma_xa": commune_code},
    }
