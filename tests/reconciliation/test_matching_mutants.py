"""Identity matching at its edges: the exact thresholds, which number of a birth date counts, how
far a name may slip, which ID linked a record, and which record a duplicate is reported against.

Written from mutation testing (bench/mutation.md): each test pins one rule of
`reconciliation.matching` that no other test checked. Scores are exact, as in
`test_identity_fixtures`: name 0.55, birth 0.30, class 0.10, gender 0.05; `LINK` 0.90,
`DOUBT` 0.70.
"""

from datetime import date

import pytest

from lienthong.reconciliation.matching import DOUBT, LINK, Doubt, Link, MatchResult, Person, match, score

BORN = date(2013, 5, 12)
SAME = "nhiều học sinh giống nhau"
LOW = "điểm giống thấp"


def csdl(key, name, born=BORN, cls="8A1", gender="1", personal_id=None):
    return Person("csdl", key, name, born, cls, gender, ministry_id=key, personal_id=personal_id)


def vnedu(key, name, born=BORN, cls="8A1", gender="1", ministry_id=None, personal_id=None):
    return Person("vnedu", key, name, born, cls, gender, ministry_id=ministry_id, personal_id=personal_id)


# --- the score ----------------------------------------------------------------------------


def test_a_birth_date_sharing_only_one_number_with_the_other_is_another_birth_date():
    # 12 May vs 5 September: the month of one is the day of the other, but it is no swap
    assert score(vnedu("1", "Lê Minh Anh", date(2013, 9, 5)), csdl("2", "Lê Minh Anh")) == 0.7
    # and the real swap of the same numbers still counts
    assert score(vnedu("1", "Lê Minh Anh", date(2013, 12, 5)), csdl("2", "Lê Minh Anh")) == 0.94


def test_a_namesake_of_another_grade_scores_below_one_of_another_class():
    same_class = score(vnedu("1", "Lê Minh Anh"), csdl("2", "Lê Minh Anh"))
    other_class = score(vnedu("1", "Lê Minh Anh", cls="8A2"), csdl("2", "Lê Minh Anh"))
    other_grade = score(vnedu("1", "Lê Minh Anh", cls="9A1"), csdl("2", "Lê Minh Anh"))
    assert (same_class, other_class, other_grade) == (1.0, 0.95, 0.9)  # class counts 0.10, 0.05, nothing


@pytest.mark.parametrize(
    ("anchor_name", "other_name", "expected"),
    [
        ("Trần Thị My", "Trần Thị Mai", 0.5722),  # given names two letters apart: another child
        ("Trịnh Văn An", "Đinh Văn An", 0.5646),  # family names two letters apart: another child
    ],
)
def test_names_two_letters_apart_in_a_given_or_family_name_are_another_child(anchor_name, other_name, expected):
    anchors = [csdl("7900000201", anchor_name, gender="2")]
    others = [vnedu("1000000201", other_name, gender="2")]
    assert score(others[0], anchors[0]) == expected
    assert match(anchors, others) == MatchResult(unmatched=["1000000201"])


def test_a_one_letter_slip_in_the_family_name_is_still_the_same_child():
    anchors = [csdl("7900000202", "Hoàng Văn Đức")]
    others = [vnedu("1000000202", "Hoàg Văn Đức")]  # a letter dropped while typing
    assert match(anchors, others) == MatchResult(
        links={"1000000202": Link("1000000202", "7900000202", "scored", 0.981)}
    )


# --- IDs ----------------------------------------------------------------------------------


def test_a_link_by_personal_id_says_so():
    anchors = [csdl("7900000203", "Lê Minh Anh", personal_id="001213000203")]
    others = [vnedu("1000000203", "Lê Minh Anh", born=None, personal_id="001213000203")]
    assert match(anchors, others) == MatchResult(links={"1000000203": Link("1000000203", "7900000203", "personal_id")})


# --- the thresholds are inclusive ------------------------------------------------------------


def test_a_lone_candidate_scoring_exactly_link_is_linked():
    # same name and birth date, another class and gender: 0.55 + 0.30 + 0.05 = 0.90
    anchors = [csdl("7900000204", "Võ Ngọc Tuấn", cls="8A2", gender="2")]
    others = [vnedu("1000000204", "Võ Ngọc Tuấn")]
    assert score(others[0], anchors[0]) == LINK
    assert match(anchors, others) == MatchResult(links={"1000000204": Link("1000000204", "7900000204", "scored", 0.9)})


def test_two_candidates_tied_at_exactly_link_are_a_doubt_about_many_alike_not_a_low_score():
    anchors = [
        csdl("7900000204", "Võ Ngọc Tuấn", cls="8A2", gender="2"),
        csdl("7900000205", "Võ Ngọc Tuấn", cls="8A3", gender="2"),
    ]
    others = [vnedu("1000000204", "Võ Ngọc Tuấn")]
    assert match(anchors, others) == MatchResult(
        doubts=[Doubt("1000000204", (("7900000205", 0.9), ("7900000204", 0.9)), SAME)]
    )


def test_a_near_copy_scoring_exactly_link_of_a_record_linked_by_id_is_its_duplicate():
    anchors = [csdl("7900000204", "Võ Ngọc Tuấn", cls="8A2", gender="2")]
    others = [
        vnedu("1000000204", "Võ Ngọc Tuấn", cls="8A2", gender="2", ministry_id="7900000204"),
        vnedu("1000000205", "Võ Ngọc Tuấn"),
    ]  # 0.90 against the anchor
    assert match(anchors, others) == MatchResult(
        links={"1000000204": Link("1000000204", "7900000204", "ministry_id")},
        duplicates=[("1000000205", "7900000204", "1000000204")],
    )


def test_a_candidate_scoring_exactly_doubt_is_a_low_score_doubt_that_shows_it():
    anchors = [csdl("7900000206", "Lê Minh Anh")]
    others = [vnedu("1000000206", "Lê Minh Anh", born=date(2013, 9, 9))]  # another birth date: 0.70
    assert score(others[0], anchors[0]) == DOUBT
    assert match(anchors, others) == MatchResult(doubts=[Doubt("1000000206", (("7900000206", 0.7),), LOW)])


# --- which record a duplicate names ----------------------------------------------------------


def test_claimants_tied_on_a_record_linked_by_id_are_both_duplicates_of_that_record():
    anchors = [csdl("7900000207", "Lê Văn Hùng")]
    others = [
        vnedu("1000000207", "Lê Văn Hùng", ministry_id="7900000207"),
        vnedu("1000000208", "Lê Văn Hùng"),
        vnedu("1000000209", "Lê Văn Hùng"),
    ]
    assert match(anchors, others) == MatchResult(
        links={"1000000207": Link("1000000207", "7900000207", "ministry_id")},
        duplicates=[("1000000209", "7900000207", "1000000207"), ("1000000208", "7900000207", "1000000207")],
    )


def test_a_clearly_weaker_claimant_of_a_record_linked_by_id_is_a_duplicate_of_that_record():
    anchors = [csdl("7900000207", "Lê Văn Hùng")]
    others = [
        vnedu("1000000207", "Lê Văn Hùng", ministry_id="7900000207"),
        vnedu("1000000208", "Lê Văn Hùng"),
        vnedu("1000000209", "Lê Văn Hùng", cls="8A2"),
    ]  # another class: 0.95 (a swapped date beside the anchor's own is a doubt: test_absent_counterparts)
    assert match(anchors, others) == MatchResult(
        links={"1000000207": Link("1000000207", "7900000207", "ministry_id")},
        duplicates=[("1000000208", "7900000207", "1000000207"), ("1000000209", "7900000207", "1000000207")],
    )


def test_a_margin_of_exactly_fifteen_hundredths_links_however_floats_round():
    from lienthong.reconciliation.matching import MARGIN, _gap

    for best in (0.9006, 0.95, 0.9731, 1.0):
        assert _gap(best, round(best - MARGIN, 4)) >= MARGIN  # 0.9006 - 0.7506 is 0.15, not 0.1499…
