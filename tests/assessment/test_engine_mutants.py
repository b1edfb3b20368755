"""Learning levels with fewer scored subjects than the table counts: written from mutation testing
(bench/mutation.md), the one rule of `assessment.engine` no other test checked.

Each row of Điều 9 k.2 needs `min_count` (6) subjects at or above its mark, so with fewer scored
subjects no row above Chưa đạt holds, whatever the comment results; and the k.3 adjustment
(leave one subject out) must not trip over an empty list of scores.
"""

from decimal import Decimal

import pytest

from lienthong.assessment import learning_level, rules_for

RULES = rules_for("2024-2025", 9)


@pytest.mark.parametrize("scores", [[], [Decimal("9.5")], [Decimal("9.5")] * 5])
def test_fewer_scored_subjects_than_the_table_counts_is_chua_dat(scores):
    assert learning_level(scores, ["Đ", "Đ", "Đ", "Đ"], RULES) == "CĐ"
    assert learning_level(scores, [], RULES) == "CĐ"
