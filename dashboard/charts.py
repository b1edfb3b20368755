"""Charts as server-rendered SVG, inline in the page (no JavaScript, no request of their own): each
bar is a link to the list behind it, and carries its number as text, so the chart reads on a
phone, prints, and says the same to a screen reader.

Presentation only: the numbers come from the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

BAR_H, GAP, LABEL_W, WIDTH = 18, 6, 64, 320
AGE_COLOURS = {"moi": "#9fc5e8", "1-4-tuan": "#f6b26b", "tren-30-ngay": "#cc4125"}


@dataclass(frozen=True)
class Bar:
    label: str
    share: int  # 0–100
    href: str
    title: str  # what the bar says, in words (tooltip and screen readers)


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#1d2430") -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" font-size="12" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'


def share_bars(bars: list[Bar], caption: str) -> Markup:
    """Horizontal bars of a percentage (completeness per class), each a link."""
    if not bars:
        return Markup("")
    height = len(bars) * (BAR_H + GAP) + GAP
    span = WIDTH - LABEL_W - 40
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        width = max(1.0, span * min(max(bar.share, 0), 100) / 100)
        colour = "#2e7d32" if bar.share >= 100 else "#f1c232" if bar.share >= 50 else "#cc4125"
        parts.append(f'<a href="{escape(bar.href)}"><title>{escape(bar.title)}</title>')
        parts.append(_text(LABEL_W - 6, y + 13, bar.label, "end"))
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{span}" height="{BAR_H}" fill="#e8edf3"/>')
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{colour}"/>')
        parts.append(_text(LABEL_W + span + 4, y + 13, f"{bar.share}%"))
        parts.append("</a>")
    parts.append("</svg>")
    return Markup("".join(parts))


def age_bars(by_age: dict[str, dict[str, int]], words: dict[str, str], href: str, caption: str) -> Markup:
    """Stacked bars of open discrepancies per class by age; each part links to its list
    (``href`` is formatted with ``lop`` and ``tuoi``)."""
    rows = [(code, per) for code, per in by_age.items() if sum(per.values())]
    if not rows:
        return Markup("")
    most = max(sum(per.values()) for _, per in rows)
    span = WIDTH - LABEL_W - 40
    height = len(rows) * (BAR_H + GAP) + GAP + 22
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (code, per) in enumerate(rows):
        y = GAP + i * (BAR_H + GAP)
        x = float(LABEL_W)
        parts.append(_text(LABEL_W - 6, y + 13, code or "(trường)", "end"))
        for age, count in per.items():
            if not count:
                continue
            width = span * count / most
            link = href.format(lop=code, tuoi=age)
            parts.append(f'<a href="{escape(link)}"><title>{escape(f"{code}: {count} khác biệt {words[age]}")}</title>')
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H}" fill="{AGE_COLOURS[age]}"/>')
            parts.append("</a>")
            x += width
        parts.append(_text(x + 4, y + 13, str(sum(per.values()))))
    legend_y = height - 8
    x = 4.0
    for age, word in words.items():
        parts.append(f'<rect x="{x:.0f}" y="{legend_y - 10}" width="10" height="10" fill="{AGE_COLOURS[age]}"/>')
        parts.append(_text(x + 14, legend_y, word))
        x += 14 + 8 * len(word) + 10
    parts.append("</svg>")
    return Markup("".join(parts))
