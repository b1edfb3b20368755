"""The synthetic school and the ground-truth manifest."""

import json
import unicodedata
from collections import Counter
from datetime import date, datetime, time

import pytest

from lienthong.mapping.normalize import name_key
from lienthong.simulators.school import FAMILY_NAMES, VN_TZ, current_semester, generate_school
from lienthong.simulators.views import Rates, build_platform_data, manifest_json

TODAY = date(2026, 11, 23)


def platform_bytes(seed: int) -> tuple[str, str]:
    school = generate_school(seed, 600, TODAY)
    data = build_platform_data(school, seed)
    dump = json.dumps(
        {
            "vnedu": {
                k: (sorted(map(list, v.items()), key=str) if isinstance(v, dict) else v) for k, v in data.vnedu.items()
            },
            "csdl": {
                k: sorted(map(list, v.items()), key=str) if isinstance(v, dict) else v for k, v in data.csdl.items()
            },
            "portal": data.portal,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return dump, manifest_json(data.manifest(school, seed, Rates()))


def test_same_seed_gives_byte_identical_data_and_manifest():
    assert platform_bytes(5) == platform_bytes(5)


def test_another_seed_gives_another_school():
    assert platform_bytes(5) != platform_bytes(6)


@pytest.fixture(scope="module")
def big():
    school = generate_school(1, 2000, TODAY)
    return school, build_platform_data(school, 1)


def test_school_shape(big):
    school, _ = big
    assert len(school.students) == 2000 and school.school_year == "2026-2027"
    sizes = Counter(s.class_code for s in school.students)
    assert {c.grade for c in school.classes} == {6, 7, 8, 9}
    assert all(40 <= n <= 45 for n in sizes.values())
    assert school.ma_truong == "79000701"


def test_names_follow_vietnamese_frequencies(big):
    school, _ = big
    families = Counter(s.full_name.split(" ")[0] for s in school.students)
    assert 0.33 < families["Nguyễn"] / 2000 < 0.44
    assert set(families) <= set(FAMILY_NAMES)
    women = [s for s in school.students if s.gender == "Nữ"]
    assert sum(" Thị " in s.full_name for s in women) > 0 and not any(" Văn " in s.full_name for s in women)


def test_birth_years_fit_the_grade(big):
    school, _ = big
    assert all(s.birth_date.year == 2026 - (s.grade + 5) for s in school.students)


def test_every_difference_kind_is_injected_and_reflected(big):
    school, data = big
    kinds = Counter(d.kind for d in data.differences)
    assert set(kinds) == set(Rates.__dataclass_fields__)
    by_key = {s.key: s for s in school.students}
    for diff in data.differences:
        student = by_key[diff.student]
        if diff.kind == "score_typo":
            code, semester, cell = diff.field.split(".")[1:]
            sheet = data.vnedu["diem"][(student.vnedu_id, code, semester[-1])]
            value = sheet["ddg_tx"][int(cell[7])] if cell.startswith("ddg_tx") else sheet[cell]
            assert value == diff.values["vnedu"] != diff.values["gradebook"]
        elif diff.kind == "student_missing":
            platform = diff.platforms[1]
            assert (
                (student.vnedu_id not in data.vnedu["hoc_sinh"])
                if platform == "vnedu"
                else (student.ministry_id not in data.csdl["hoc_sinh"])
            )
        elif diff.kind == "name_variant" and diff.detail in ("nfd", "tone_placement"):
            shown = diff.values[diff.platforms[1]]
            assert shown != student.full_name and name_key(shown) == name_key(student.full_name)
        elif diff.kind == "duplicate_student":
            assert all(i in data.vnedu["hoc_sinh"] for i in diff.values["vnedu"])


def test_about_30_percent_of_vnedu_names_are_nfd(big):
    _, data = big
    names = [s["ho_ten"] for s in data.vnedu["hoc_sinh"].values()]
    share = sum(not unicodedata.is_normalized("NFC", n) for n in names) / len(names)
    assert 0.25 < share < 0.35


def test_no_rates_no_differences():
    school = generate_school(2, 300, TODAY)
    assert build_platform_data(school, 2, Rates.none()).differences == []


@pytest.mark.parametrize(
    ("day", "semester"),
    [(date(2026, 9, 5), "1"), (date(2027, 1, 15), "1"), (date(2027, 1, 16), "2"), (date(2027, 8, 1), "2")],
)
def test_current_semester_by_the_clock(day, semester):
    assert current_semester(day) == semester


def test_current_semester_is_open_on_any_date():
    for day in (date(2026, 11, 23), date(2027, 3, 1), date(2027, 7, 20)):
        school = generate_school(1, 100, day)
        now = datetime.combine(day, time(10), VN_TZ)
        open_now = [w for w in school.lock_windows if not w.locked(now)]
        assert {w.semester for w in open_now} == {school.current_semester}
