"""Where transcript versions live: one file per student and version, ``MÃ_ĐỊNH_DANH-vN.xml``.

A new version is a new file beside the old ones; no signed file is ever written over.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(r"^(\d{10})-v(\d+)\.xml$")


def versioned_name(ministry_id: str, version: int) -> str:
    return f"{ministry_id}-v{version}.xml"


def latest(folder: Path, ministry_id: str) -> tuple[Path, int] | None:
    """The newest version of a student's transcript in ``folder`` and its number."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match and match[1] == ministry_id:
                found.append((int(match[2]), path))
    if not found:
        return None
    version, path = max(found)
    return path, version
