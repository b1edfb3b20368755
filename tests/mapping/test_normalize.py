"""Normalisation over hostile input: NFD, tone placement, legacy encodings, bad scores/dates."""

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.mapping.errors import LegacyEncodingError, MappingError
from lienthong.mapping.legacy_encoding import detect_legacy_encoding
from lienthong.mapping.normalize import (
    clean_name,
    fold,
    format_date,
    format_score,
    given_name_sort_key,
    name_key,
    parse_date,
    parse_level,
    parse_mark,
    parse_score,
    restore_digits,
)

# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Hoà", "Hòa"),
        ("Thuý", "Thúy"),
        ("Khoẻ", "Khỏe"),
        ("Nguyễn Thị Hoà", "NGUYỄN THỊ HÒA"),
        ("Quỳnh", "Quỳnh"),
        ("Đặng Thuỵ", "đặng thụy"),
    ],
)
def test_tone_placement_and_case_fold(old, new):
    assert name_key(old) == name_key(new)


def test_nfd_and_extra_whitespace_fold():
    nfd = unicodedata.normalize("NFD", "Nguyễn  Thị\tHà ")
    assert nfd != "Nguyễn Thị Hà"
    assert name_key(nfd) == name_key("Nguyễn Thị Hà")
    assert clean_name(nfd) == "Nguyễn Thị Hà"  # stored NFC, single spaces
    assert unicodedata.is_normalized("NFC", clean_name(nfd))


@pytest.mark.parametrize(("a", "b"), [("Hoà", "Hoá"), ("Hà", "Ha"), ("Lan", "Lân"), ("Dung", "Dũng"), ("Đức", "Dức")])
def test_different_names_stay_different(a, b):
    assert name_key(a) != name_key(b)


@given(st.text(alphabet="aăâeêioôơuưyđ àáảãạ", min_size=1, max_size=12))
def test_name_key_is_idempotent_over_normal_forms(text):
    assert name_key(unicodedata.normalize("NFD", text)) == name_key(unicodedata.normalize("NFC", text))


def test_vietnamese_list_order_by_given_name_then_rest():
    names = ["Trần Văn Đạt", "Nguyễn Thị Dung", "Lê Ánh", "Phạm An", "Bùi Thị Ăn", "Ngô Ân", "Vũ Em"]
    assert sorted(names, key=given_name_sort_key) == [
        "Phạm An",
        "Lê Ánh",
        "Bùi Thị Ăn",
        "Ngô Ân",
        "Nguyễn Thị Dung",
        "Trần Văn Đạt",
        "Vũ Em",
    ]


@pytest.mark.parametrize(
    ("mojibake", "encoding", "reads"),
    [
        ("NguyÔn ThÞ Hµ", "tcvn3", "Nguyễn Thị Hà"),
        ("TrÇn V¨n B¶o", "tcvn3", "Trần Văn Bảo"),
        ("Lª Thóy H»ng", "tcvn3", None),
        ("Nguyeãn Thò Haø", "vni", "Nguyễn Thị Hà"),
        ("Traàn Vaên Baûo", "vni", "Trần Văn Bảo"),
        ("Ñaëng Quang Trung", "vni", "Đặng Quang Trung"),
        ("Nguyá»…n Thá»‹ HÃ ", "utf8-as-cp1252", None),
    ],
)
def test_legacy_encodings_are_detected_and_refused(mojibake, encoding, reads):
    found = detect_legacy_encoding(mojibake)
    assert found is not None and found[0] == encoding
    if reads:
        assert found[1] == reads
    with pytest.raises(LegacyEncodingError) as caught:
        clean_name(mojibake)
    assert "Unicode" in caught.value.reason  # tells the person what to do


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Hoà",
        "Phạm Xuân Quỳnh",
        "Đỗ Thuý Khuê",
        "Huỳnh Tấn Phát",
        "Lê Ngọc Ánh",
        "Trương Mỹ Duyên",
        "Hồ Thị Bích Thủy",
        "Y Sương Niê",
        "Nguyễn Anh Tuấn",
        "Ksor H'Mai",
        "Lý Ngọc Diệp",
    ],
)
def test_real_names_are_not_mistaken_for_mojibake(name):
    assert detect_legacy_encoding(name) is None
    assert detect_legacy_encoding(unicodedata.normalize("NFD", name)) is None
    assert clean_name(name) == name


@pytest.mark.parametrize("bad", ["", "   ", "Nguyễn Văn 2", 42, None])
def test_bad_names(bad):
    with pytest.raises(MappingError):
        clean_name(bad)


def test_fold_matches_headers_with_line_breaks_and_nfd():
    header = unicodedata.normalize("NFD", "Mã định danh\nBộ  GD&ĐT")
    assert fold(header) == "ma dinh danh bo gd&dt"


# --- scores -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8,5", "8.5"),
        ("8.5", "8.5"),
        (8.5, "8.5"),
        ("10", "10.0"),
        (10, "10.0"),
        ("8.50", "8.5"),
        (" 7,0 ", "7.0"),
        ("0", "0.0"),
        (Decimal("9.9"), "9.9"),
        (0.1, "0.1"),
        (unicodedata.normalize("NFD", "6,5"), "6.5"),
    ],
)
def test_scores_accepted(raw, expected):
    assert parse_score(raw) == Decimal(expected)
    assert str(parse_score(raw)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "8,55",
        "8.55",
        8.55,
        "11",
        11,
        10.1,
        "-1",
        -0.5,
        "abc",
        "",
        "8,5đ",
        "8.5.1",
        "1e1",
        True,
        False,
        None,
        float("nan"),
        float("inf"),
        "NaN",
        "Đ",
        [8],
        "８",
        "8 ,5",
    ],
)
def test_scores_refused_with_a_vietnamese_reason(raw):
    with pytest.raises(MappingError) as caught:
        parse_score(raw, field="ddg_gk")
    assert caught.value.field == "ddg_gk"
    assert "Điểm" in caught.value.reason


def test_format_score_uses_a_comma():
    assert format_score(Decimal("8.5")) == "8,5"
    assert format_score(Decimal("10")) == "10,0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Đ", "Đ"),
        ("Đạt", "Đ"),
        ("CĐ", "CĐ"),
        ("Chưa đạt", "CĐ"),
        ("chưa  đạt", "CĐ"),
        (unicodedata.normalize("NFD", "Chưa đạt"), "CĐ"),
    ],
)
def test_marks(raw, expected):
    assert parse_mark(raw) == expected


@pytest.mark.parametrize("raw", ["8", "Tốt", "", None, "Đạt yêu cầu"])
def test_bad_marks(raw):
    with pytest.raises(MappingError):
        parse_mark(raw)


@pytest.mark.parametrize(("raw", "expected"), [("T", "T"), ("Tốt", "T"), ("khá", "K"), ("Đ", "Đ"), ("Chưa đạt", "CĐ")])
def test_levels(raw, expected):
    assert parse_level(raw) == expected


@pytest.mark.parametrize("raw", ["Giỏi", "A", "", 3, "Trung bình"])
def test_bad_levels(raw):
    with pytest.raises(MappingError):
        parse_level(raw)


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/09/2012", date(2012, 9, 5)),
        ("5/9/2012", date(2012, 9, 5)),
        ("2012-09-05", date(2012, 9, 5)),
        ("2012-09-05T00:00:00", date(2012, 9, 5)),
        (41157, date(2012, 9, 5)),
        (41157.0, date(2012, 9, 5)),
        ("41157", date(2012, 9, 5)),
        ("29/02/2012", date(2012, 2, 29)),
        ("05.09.2012", date(2012, 9, 5)),
    ],
)
def test_dates_accepted(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2012",
        "29/02/2013",
        "13/13/2012",
        "00/01/2012",
        "05/09/12",
        "2012/09/05",
        "abc",
        "",
        41157.5,
        12,
        999999,
        True,
        None,
        "5-9-2012 10:00",
    ],
)
def test_dates_refused(raw):
    with pytest.raises(MappingError) as caught:
        parse_date(raw, field="ngay_sinh")
    assert caught.value.field == "ngay_sinh"


def test_format_date():
    assert format_date(date(2012, 9, 5)) == "05/09/2012"


# --- identifiers ------------------------------------------------------------------------


def test_personal_id_that_lost_its_leading_zeros_is_restored_and_flagged():
    assert restore_digits(79212000123, 12) == ("079212000123", True)
    assert restore_digits(79212000123.0, 12) == ("079212000123", True)
    assert restore_digits("079212000123", 12) == ("079212000123", False)


@pytest.mark.parametrize("raw", ["07921200012a", "0792120001234", -5, "", None, True, "7.9e10"])
def test_bad_identifiers(raw):
    with pytest.raises(MappingError):
        restore_digits(raw, 12)


def test_titles_and_promotions_read_from_words_or_codes_and_anything_else_is_refused():
    from lienthong.mapping.normalize import parse_promotion, parse_title

    assert parse_title("Học sinh Giỏi") == parse_title("hoc sinh gioi") == parse_title("G") == "G"
    assert parse_title("Học sinh Xuất sắc") == "XS"
    assert parse_promotion("Ở lại lớp") == parse_promotion("OL") == "OL"
    assert parse_promotion("Rèn luyện hè") == "RLH"
    for bad, parse in (("Học sinh giỏ", parse_title), ("Lên lơp nhé", parse_promotion)):
        with pytest.raises(MappingError) as caught:
            parse(bad, field="x")  # a misspelt title is refused, not silently dropped
        assert caught.value.field == "x" and caught.value.reason


def test_a_date_text_read_once_is_read_the_same_after_and_a_wrong_one_is_refused_every_time():
    """`parse_date` keeps the texts it read (a school's absences repeat a few hundred days): the
    kept reading is the same date, and a text that is no date is refused at every reading, never
    kept as something else."""
    from datetime import date

    import pytest

    from lienthong.mapping.errors import MappingError
    from lienthong.mapping.normalize import parse_date

    assert parse_date("05/09/2025") == parse_date("05/09/2025") == date(2025, 9, 5)
    assert parse_date(" 2025-09-05 ") == date(2025, 9, 5)
    for _ in range(2):
        with pytest.raises(MappingError, match="không tồn tại"):
            parse_date("31/02/2026", field="ngay")


@pytest.mark.parametrize(
    ("number", "read"), [(7.300000000000001, "7.3"), (8.000000000000002, "8"), (6.499999999999999, "6.5")]
)
def test_a_formulas_float_is_read_as_excel_shows_it(number, read):
    """Every reader's cells reach `parse_score`: a formula's binary noise beyond 15 significant
    digits is no decimal the teacher wrote (Excel shows 7,3), so it never refuses the row."""
    assert parse_score(number) == Decimal(read)


def test_a_float_with_two_decimals_as_excel_shows_it_is_still_refused():
    with pytest.raises(MappingError):
        parse_score(8.549999999999999)  # Excel shows 8,55: two decimals, as entered
