"""The platforms' mapping modules by source name, and stored payloads → canonical records.

A platform shipped with lienthong is listed here; a further platform's connector names its
mapping module (``Connector.mapping``), which the services pass in (`canonical`'s ``extra``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from lienthong.mapping import csdl, gradebook, portal, vnedu
from lienthong.mapping.sources import SourceRecords

MAPPINGS: dict[str, ModuleType] = {m.SOURCE: m for m in (vnedu, csdl, portal, gradebook)}


def mappings(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**MAPPINGS, **(extra or {})}


def canonical(sources: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, SourceRecords]:
    """Each source's stored payloads (entity → key → payload) as canonical records; sources that
    are canonical already are kept, sources no mapping knows are left out."""
    known = mappings(extra)
    out = {}
    for name, stored in sources.items():
        if isinstance(stored, SourceRecords):
            out[name] = stored
        elif name in known:
            out[name] = known[name].to_canonical(stored)
    return out


def sheet_payload(target: str, **sheet: Any) -> dict[str, Any]:
    """The wire payload of one score sheet for ``target`` (see `mapping.vnedu.sheet_payload`)."""
    return MAPPINGS[target].sheet_payload(**sheet)


def titles(extra: dict[str, Any] | None = None) -> dict[str, str]:
    """How people call each source (``vnEdu``, ``CSDL``, ``sổ điểm``…)."""
    return {name: module.TITLE for name, module in mappings(extra).items()}
