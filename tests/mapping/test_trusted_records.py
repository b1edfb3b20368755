"""`canonical.trusted` is `model_construct` for the values a mapping has read and checked: for every
canonical model and any set of its fields given, the same record (fields in order, the defaults of
those not given, the same fields set), each record with its own list or dict default."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from lienthong.mapping import canonical
from lienthong.mapping.canonical import trusted

MODELS = sorted(
    (
        m
        for m in vars(canonical).values()
        if isinstance(m, type) and issubclass(m, canonical._Model) and m is not canonical._Model
    ),
    key=lambda m: m.__name__,
)
VALUES = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=3), st.lists(st.integers(), max_size=2))


def _as_built(record: BaseModel) -> tuple:
    return (
        list(record.__dict__.items()),
        record.model_fields_set,
        record.__pydantic_extra__,
        record.__pydantic_private__,
        type(record),
    )


def test_every_canonical_model_is_covered():
    assert {"Student", "SemesterResult", "YearResult", "Absence", "ScoreSheet"} <= {m.__name__ for m in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_same_record_as_model_construct(model, data):
    names = list(model.__pydantic_fields__)
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    values = {name: data.draw(VALUES) for name in data.draw(st.permutations(chosen))}
    built, constructed = trusted(model, dict(values)), model.model_construct(**values)
    assert _as_built(built) == _as_built(constructed)
    assert built == constructed and repr(built) == repr(constructed)


def test_a_default_list_or_dict_is_each_records_own():
    one, other = trusted(canonical.Student, {"id": "a"}), trusted(canonical.Student, {"id": "b"})
    assert one.links == {} and one.links is not other.links
    sheet = trusted(canonical.ScoreSheet, {"student_id": "a"})
    assert sheet.tx == [] and sheet.tx is not trusted(canonical.ScoreSheet, {"student_id": "b"}).tx


def test_a_model_that_does_more_on_construction_is_refused():
    class Counted(canonical._Model):
        n: int = 0

        def model_post_init(self, context) -> None:  # model_construct runs it; `trusted` would not
            pass

    with pytest.raises(TypeError, match="Counted"):
        trusted(Counted, {"n": 1})


def test_a_summary_s_subjects_keep_the_catalog_s_order_whatever_the_stored_key_order():
    """An import stores each record's JSON with sorted keys: vnEdu's summary is read back with its
    subjects in the catalog's order (the order its findings come in), unknown ones after."""
    from lienthong.mapping import catalogs
    from lienthong.mapping.vnedu import summaries

    codes = list(catalogs.subjects())
    written = {"ma_hoc_sinh": "1800000001", "hoc_ky": "2", "mon": {c: "7.5" for c in codes} | {"XYZ": "5"}}
    stored_sorted = {**written, "mon": dict(sorted(written["mon"].items()))}
    assert list(stored_sorted["mon"]) != [*codes, "XYZ"]  # the sorted text is another order
    for item in (written, stored_sorted):
        [result] = summaries({"1800000001:2": item}).values()
        assert list(result.subjects) == [*codes, "XYZ"]


# --- a student made without the validator (`canonical.student`) ----------------------------------

NAMES = st.sampled_from(
    ["Nguyễn Văn An", " Trần  Thị Bình ", "Ðỗ Minh Châu", "Nguye\u0302\u0303n Hoa", "=SUM(A1)", "Lan 2", "",
     "NguyÔn V¨n", "Lê Thị Ánh"]
)  # fmt: skip
DATES = st.one_of(
    st.sampled_from(["2012-03-04", "04/03/2012", "4/3/2012", " 04/03/2012", "31/02/2012", "2012-13-01", "x", ""]),
    st.dates(),
    st.datetimes(),
    st.integers(40000, 41000),
)
CODES = st.sampled_from(["1", "2", "3", "4", "5", "01", "05", "99", "1 ", " 2", "Kinh", "Nam", "", 1, None])
IDS = st.one_of(
    st.none(),
    st.sampled_from(["0123456789", "123456789", "012345678901", "01234567890", "12345678901", " 0123456789", "12.0"]),
    st.text("0123456789 ", max_size=13),
    st.integers(0, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
)


PLAIN = {"id": "vnedu:HS1", "full_name": "Nguyễn Văn An", "birth_date": "2012-03-04", "gender": "1",
         "class_code": "6A1", "ethnicity_code": "01", "status": "1", "ministry_id": "0123456789",
         "personal_id": "012345678901", "links": {"vnedu": "HS1"}}  # fmt: skip
TRICKY = {
    "id": st.sampled_from(["csdl:0123456789", " x ", "", 7]),
    "full_name": NAMES,
    "birth_date": DATES,
    "gender": CODES,
    "class_code": st.sampled_from(["9A12", " 6A1", 61, None, ""]),
    "ethnicity_code": CODES,
    "status": CODES,
    "ministry_id": IDS,
    "personal_id": IDS,
    "links": st.sampled_from([{"csdl": " 1 "}, {"Bad": "x"}, {}, {"vnedu": 1}, None, []]),
}


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_a_student_made_without_the_validator_is_the_validator_s_and_refused_alike(data):
    """`canonical.student` builds a record without the validator only where the validator would keep
    the values as they are: the records are equal field by field (types too: an enum, a date), and
    what the validator refuses is still refused with its own message. A plain stored record, with
    up to three of its values changed or left out."""
    given_ = dict(PLAIN)
    for name in data.draw(st.lists(st.sampled_from(sorted(TRICKY)), unique=True, max_size=3)):
        if name in ("ethnicity_code", "status", "ministry_id", "personal_id", "links") and data.draw(st.booleans()):
            del given_[name]  # not given: the model's default
        else:
            given_[name] = data.draw(TRICKY[name])
    _made_alike(given_)


ONE_CHANGE = [
    (name, value)
    for name, values in {
        "id": ["csdl:0123456789", " x ", "", 7],
        "full_name": [
            "Nguyễn Văn An",
            " Trần  Thị Bình ",
            "Ðỗ Minh Châu",
            "Nguye\u0302\u0303n Hoa",
            "=SUM(A1)",
            "Lan 2",
        ],
        "birth_date": ["04/03/2012", " 04/03/2012", "31/02/2012", "x", 40500, date(2012, 3, 4), datetime(2012, 3, 4)],
        "gender": ["2", "3", " 1", "Nam", 1, None],
        "class_code": [" 6A1", 61, None, ""],
        "ethnicity_code": ["05", "5", "99", "00", " 01", "Kinh", 1],
        "status": ["3", "9", " 1", "Đang học", 1],
        "ministry_id": ["123456789", " 0123456789", "012345678", "01234567890", "12.0", 123456789, None],
        "personal_id": ["12345678901", "0123456789012", 12345678901, None],
        "links": [{"csdl": " 1 "}, {"Bad": "x"}, {}, {"vnedu": 1}, None, []],
    }.items()
    for value in values
]


@pytest.mark.parametrize(("name", "value"), ONE_CHANGE, ids=[f"{n}={v!r}" for n, v in ONE_CHANGE])
def test_each_value_the_validator_changes_or_refuses_goes_through_it(name, value):
    _made_alike({**PLAIN, name: value})


def _made_alike(given_: dict) -> None:
    try:
        expected = canonical.Student(**given_)
    except Exception as exc:  # noqa: BLE001  (whatever the validator raises, `student` raises alike)
        with pytest.raises(type(exc)) as raised:
            canonical.student(**given_)
        assert str(raised.value) == str(exc)
        return
    made = canonical.student(**given_)
    assert [(k, type(v), v) for k, v in made.__dict__.items()] == [
        (k, type(v), v) for k, v in expected.__dict__.items()
    ]
    assert made.model_fields_set == expected.model_fields_set and made == expected and repr(made) == repr(expected)


def test_a_plain_stored_student_is_made_without_the_validator():
    """The point of `canonical.student`: a stored record as pulls keep it never runs the validator."""
    fields = dict(PLAIN)
    assert canonical._plain_student(fields) is not None
    assert canonical._plain_student({**fields, "class_code": " 6A1"}) is None  # the validator strips it
    assert canonical._plain_student({**fields, "ministry_id": "123456789"}) is None  # a zero lost: refused there
