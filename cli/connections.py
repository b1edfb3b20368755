"""``lienthong check``: can lienthong reach every configured platform with its credentials?"""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.errors import ConnectorError
from lienthong.connectors.factory import build_connectors


async def _health(connectors: dict) -> list:
    results = []
    for connector in connectors.values():
        async with connector:
            results.append(await connector.health())
    return results


def check(console: Console | None = None) -> int:
    """Exit: 0 all reachable, 2 refused (credentials, scope), 3 a platform unreachable."""
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    try:
        connectors = build_connectors(Settings())
    except (ConnectorError, SettingsError) as exc:
        console.print(f"{getattr(exc, 'message', exc)}", style="red")
        return 2
    table = Table("Hệ thống", "Trạng thái", "Chi tiết")
    results = asyncio.run(_health(connectors))
    for health in results:
        table.add_row(
            health.platform,
            Text("kết nối được", style="green") if health.ok else Text("lỗi", style="red"),
            health.detail,
        )
    console.print(table)
    if any(h.extra.get("unreachable") for h in results):
        return 3  # a platform did not answer: the network or the platform, not the settings
    return 0 if all(h.ok for h in results) else 2
