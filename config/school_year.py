"""How a school year is written: what the configuration, the command line and every file and
system agree on."""

from __future__ import annotations

import re


def is_school_year(text: str) -> bool:
    """Whether ``text`` names a school year as every file and system writes it: ``2025-2026``, two
    consecutive years."""
    years = re.fullmatch(r"(\d{4})-(\d{4})", text, re.ASCII)
    return years is not None and int(years[2]) == int(years[1]) + 1
