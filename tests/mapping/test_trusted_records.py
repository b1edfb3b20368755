"""`canonical.trusted` is `model_construct` for the values a mapping has read and checked: for every
canonical model and any set of its fields given, the same record (fields in order, the defaults of
those not given, the same fields set), each record with its own list or dict default."""

from __future__ import annotations

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
