"""Identity matching against the generator's manifest: zero wrong links, duplicates caught."""

from datetime import date

import pytest

from lienthong.reconciliation.matching import Person, match, score
from lienthong.reconciliation.people import people
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import Rates, build_platform_data
from lienthong.store.db import migrate

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module", params=[1, 2, 3])
def school(request):
    generated = generate_school(request.param, 800, TODAY)
    rates = Rates(
        name_variant=0.03,
        dob_swapped=0.02,
        duplicate_student=0.02,
        wrong_class=0.02,
        student_missing=0.01,
        transfer_one_place=0.01,
    )
    return generated, build_platform_data(generated, request.param, rates)


def truth_of(generated) -> dict[str, str]:
    """vnEdu key → the ministry ID of the same real student."""
    return {s.vnedu_id: s.ministry_id for s in generated.students}


def test_id_links_are_right_and_duplicates_are_never_linked_silently(school):
    generated, data = school
    anchors, bad_a = people("csdl", data.csdl["hoc_sinh"])
    others, bad_o = people("vnedu", data.vnedu["hoc_sinh"])
    assert not bad_a and not bad_o  # NFD names and tone variants map cleanly
    result = match(anchors, others)
    truth = truth_of(generated)
    wrong = [link for key, link in result.links.items() if truth.get(key) != link.anchor]
    assert wrong == []
    duplicates = {d.values["vnedu"][1] for d in data.differences if d.kind == "duplicate_student"}
    assert duplicates and {key for key, _, _ in result.duplicates} == duplicates
    in_csdl = set(data.csdl["hoc_sinh"])
    assert all(truth.get(key) not in in_csdl for key in result.unmatched)  # only students the CSDL lacks


def test_without_any_ids_scored_matching_makes_no_wrong_link_and_finds_nearly_all(school):
    generated, data = school
    anchors, _ = people("csdl", data.csdl["hoc_sinh"])
    stripped = {k: dict(v, ma_dinh_danh_bo=None, so_dinh_danh_ca_nhan=None) for k, v in data.vnedu["hoc_sinh"].items()}
    others, _ = people("vnedu", stripped)
    result = match(anchors, others)
    truth = truth_of(generated)
    wrong = [key for key, link in result.links.items() if truth.get(key) != link.anchor]
    assert wrong == []  # a wrong link is worse than a missed one
    copied = {k for d in data.differences if d.kind == "duplicate_student" for k in d.values["vnedu"]}
    findable = [p.key for p in others if truth.get(p.key) in data.csdl["hoc_sinh"] and p.key not in copied]
    linked = sum(1 for key in findable if key in result.links)
    assert linked / len(findable) >= 0.97


def person(name, born=date(2013, 3, 4), cls="8A1", gender="2", key="x"):
    return Person("vnedu", key, name, born, cls, gender)


@pytest.mark.parametrize(
    ("variant", "at_least"),
    [
        ("Nguyễn Thị Hòa", 0.99),  # new tone placement: the same name
        ("Nguyễn Hoà", 0.9),  # dropped middle name
        ("Nguyễn Thị Hoằ", 0.9),  # a typo
    ],
)
def test_scores_of_name_variants(variant, at_least):
    assert score(person("Nguyễn Thị Hoà"), person(variant)) >= at_least


def test_swapped_day_and_month_still_scores_high_but_another_student_does_not():
    assert score(person("Lê Văn An", date(2013, 3, 4)), person("Lê Văn An", date(2013, 4, 3))) >= 0.9
    assert score(person("Lê Văn An", date(2013, 3, 4)), person("Lê Văn Anh", date(2013, 7, 9))) < 0.7


def test_match_command_reports_links_doubts_and_duplicates_from_the_stored_pulls(tmp_path, school):
    import subprocess
    from datetime import datetime, timezone

    from sqlmodel import Session

    from lienthong.store.db import make_engine
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots
    from tests.cli.test_assess_cli import lienthong

    generated, data = school
    url = f"sqlite:///{tmp_path / 'match.db'}"
    migrate(url)
    with Session(make_engine(url)) as session:
        now = datetime.now(timezone.utc)
        for source, records in (("csdl", data.csdl["hoc_sinh"]), ("vnedu", data.vnedu["hoc_sinh"])):
            upsert_snapshots(session, [SnapshotRecord(source, "hoc_sinh", k, 1, v) for k, v in records.items()], now)
        session.commit()
    done = subprocess.run(
        [*lienthong(), "--db", url, "match"],
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    out = done.stdout.decode()
    duplicates = sum(d.kind == "duplicate_student" for d in data.differences)
    assert done.returncode == 1 and f"trùng {duplicates};" in out and "trùng học sinh" in out
    missing = subprocess.run(
        [*lienthong(), "--db", f"sqlite:///{tmp_path / 'empty.db'}", "match"],
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert missing.returncode == 2 and "empty.db" in missing.stderr.decode()  # a typo is no new, empty database
    assert not (tmp_path / "empty.db").exists()
    migrate(f"sqlite:///{tmp_path / 'empty.db'}")
    empty = subprocess.run(
        [*lienthong(), "--db", f"sqlite:///{tmp_path / 'empty.db'}", "match"],
        capture_output=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert empty.returncode == 2 and "lienthong sync --once" in empty.stdout.decode()
