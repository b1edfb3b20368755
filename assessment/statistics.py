"""Counting results for reports: level counts and percentages that add up to exactly 100,0."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Sequence


def percentages(counts: Sequence[int], places: int = 1) -> list[Decimal]:
    """Shares of ``counts`` in percent with ``places`` decimals, summing to exactly 100.

    Largest-remainder rounding (Hamilton): every share is rounded down, then the units left
    over go to the largest remainders (ties to the earlier group), as the portal requires.
    An all-zero group gives zeros.
    """
    total = sum(counts)
    if total == 0:
        return [Decimal(0).scaleb(-places) for _ in counts]
    unit = Decimal(1).scaleb(-places)
    exact = [Decimal(c) * 100 / total for c in counts]
    floors = [e.quantize(unit, rounding=ROUND_FLOOR) for e in exact]
    left = int((Decimal(100) - sum(floors)) / unit)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return floors
