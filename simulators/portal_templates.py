"""The reporting portal's templates as the simulated portal checks them (``contracts/portal.md``,
"Report templates"): the header texts of each form, matched by folded text, in any order.

Written here from the contract, not imported from the project, so that a connector or report
builder that misreads the contract is refused by the portal. The contract lists the level
columns as "counts and percentages of learning result Tốt, Khá, Đạt, Chưa đạt, then of training
result"; their headers read ``Học tập Tốt`` (count) and ``Học tập Tốt (%)`` (percentage,
one decimal with a comma), and the same with ``Rèn luyện``.
"""

from __future__ import annotations

LEVELS = ["Tốt", "Khá", "Đạt", "Chưa đạt"]
GROUPS = ["Học tập", "Rèn luyện"]  # learning result, training result
YEAR_OUTCOMES = ["Lên lớp", "Kiểm tra lại", "Rèn luyện hè", "Ở lại lớp"]
YEAR_TITLES = ["HS Xuất sắc", "HS Giỏi"]


def _levels(group: str) -> list[str]:
    return [f"{group} {level}" for level in LEVELS] + [f"{group} {level} (%)" for level in LEVELS]


TEMPLATES: dict[str, list[str]] = {
    # education quality at semester/year end: one row per grade 6–9, then the total row
    "TK-CLGD": ["Khối", "Tổng số HS", *_levels(GROUPS[0]), *_levels(GROUPS[1]), *YEAR_OUTCOMES, *YEAR_TITLES],
    # monthly attendance: one row per class
    "TK-CHUYENCAN": ["Lớp", "Sĩ số", "Buổi nghỉ có phép", "Buổi nghỉ không phép", "HS nghỉ quá 45 buổi (lũy kế)"],
    # enrolment changes in the month: one row per class
    "TK-BIENDONG": ["Lớp", "Chuyển đến", "Chuyển đi", "Thôi học", "Nghỉ học xin học lại"],
}
