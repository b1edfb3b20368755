"""The averages worked in whole tenths, and the one-subject adjustment of the learning level
trying two subjects only, give what the exact rules give, on every case they can meet."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import example, given
from hypothesis import strategies as st

from lienthong.assessment import engine, rules_for, semester_average, year_average
from lienthong.assessment.engine import learning_level

RULES = rules_for("2024-2025", 8)


def _exact(total_tenths: int, count: int) -> Decimal:
    """total/count rounded half up to one decimal, in exact rational arithmetic."""
    value = Fraction(total_tenths, 10 * count)
    return Decimal(int(value * 10 + Fraction(1, 2))).scaleb(-1).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _spread(total: int, tx_count: int) -> tuple[list[int], int, int]:
    """Scores in tenths (ĐĐGtx, ĐĐGgk, ĐĐGck) whose weighted sum is ``total``."""
    ck = min(100, total // 3)
    rest = total - 3 * ck
    gk = min(100, rest // 2)
    rest -= 2 * gk
    tx = []
    for _ in range(tx_count):
        tx.append(min(100, rest))
        rest -= tx[-1]
    assert rest == 0
    return tx, gk, ck


def test_every_semester_total_rounds_as_the_exact_quotient():
    for tx_count in range(1, 5):
        count = tx_count + 5
        for total in range(0, 100 * count + 1):
            tx, gk, ck = _spread(total, tx_count)
            found = semester_average(
                [Decimal(t).scaleb(-1) for t in tx], Decimal(gk).scaleb(-1), Decimal(ck).scaleb(-1), RULES
            )
            assert found == _exact(total, count) and str(found) == str(_exact(total, count)), (tx, gk, ck)


def test_every_year_pair_rounds_as_the_exact_quotient():
    for first in range(101):
        for second in range(101):
            found = year_average(Decimal(first).scaleb(-1), Decimal(second).scaleb(-1), RULES)
            assert str(found) == str(_exact(first + 2 * second, 3))


def test_scores_finer_than_tenths_still_round_exactly():
    # 7.25 is no tenth: the exact Decimal route, (7.25 + 2·8 + 3·9) / 6 = 8.375 → 8.4
    assert semester_average([Decimal("7.25")], Decimal(8), Decimal(9), RULES) == Decimal("8.4")
    assert year_average(Decimal("7.25"), Decimal("7.3"), RULES) == Decimal("7.3")  # 21.85 / 3 = 7.283…


def _level_trying_every_subject(scores: list[Decimal], marks: list[str]) -> str:
    """Điều 9 k.3 as written: raised one level when leaving out some one subject makes Tốt or Khá hold."""
    level = engine._table_level(scores, marks, RULES)
    rank = engine._RANK[level]
    for target in ("T", "K"):
        if rank > engine._RANK[target] - 2:
            continue
        without = [([*scores[:i], *scores[i + 1 :]], marks) for i in range(len(scores))]
        without += [(scores, [*marks[:i], *marks[i + 1 :]]) for i in range(len(marks))]
        if any(engine._meets(target, s, m, RULES) for s, m in without):
            return engine.LEVELS[rank + 1]
    return level


near_bounds = st.sampled_from(["3.4", "3.5", "4.9", "5.0", "6.4", "6.5", "7.9", "8.0", "9.0", "10.0", "0.0"])
any_score = st.integers(min_value=0, max_value=100).map(lambda n: str(Decimal(n) / 10))


high = st.integers(min_value=65, max_value=100).map(lambda n: str(Decimal(n) / 10))
EIGHTS = [Decimal(8)] * 6


@given(
    scores=st.one_of(
        st.lists(st.one_of(near_bounds, any_score).map(Decimal), max_size=12),
        st.tuples(st.lists(high.map(Decimal), min_size=5, max_size=11), any_score.map(Decimal)).map(
            lambda pair: [*pair[0], pair[1]]  # good scores and one more anywhere: where k.3 matters
        ),
    ),
    marks=st.lists(st.sampled_from(["Đ", "CĐ"]), max_size=5),
)
@example(scores=[*EIGHTS, Decimal(3)], marks=[])  # Chưa đạt by the 3.0 alone: raised to Đạt
@example(scores=EIGHTS, marks=["Đ", "CĐ"])  # Đạt by one Chưa đạt comment: raised to Khá
def test_learning_level_adjustment_is_the_one_of_leaving_out_any_subject(scores, marks):
    assert learning_level(scores, marks, RULES) == _level_trying_every_subject(scores, marks)


def test_one_subject_alone_lowering_two_levels_raises_one():
    assert learning_level([*EIGHTS, Decimal(3)], [], RULES) == "Đ"
    assert learning_level(EIGHTS, ["Đ", "CĐ"], RULES) == "K"
