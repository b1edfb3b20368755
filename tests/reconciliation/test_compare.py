"""Reconciliation against the generator's manifest: every injected difference found with the
right kind, student and subject, nothing else (names differing only by NFD or tone placement
raise nothing), and stable IDs across runs."""

from datetime import date

import pytest

from lienthong.reconciliation.compare import reconcile
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import as_stored as sources_of
from lienthong.simulators.views import build_platform_data

TODAY = date(2026, 11, 23)
KINDS = {
    "score_typo": "score_mismatch",
    "score_missing": "missing_score",
    "comment_mark_as_score": "score_mismatch",
    "csdl_average_mismatch": "average_mismatch",
    "student_missing": "missing_student",
    "transfer_one_place": "status_mismatch",
    "name_variant": "bio_mismatch",
    "dob_swapped": "bio_mismatch",
    "duplicate_student": "duplicate_student",
    "wrong_class": "class_mismatch",
    "absences_count": "absence_mismatch",
    "training_mismatch": "result_mismatch",
}
WITH_SUBJECT = {"score_typo", "score_missing", "comment_mark_as_score", "csdl_average_mismatch"}


def expected_of(school, data) -> set:
    def subject(d):  # "diem.TOAN.hk1.ddg_gk" or "ket_qua.hk1.TOAN.DiemTB"
        parts = d.field.split(".")
        return (parts[2] if parts[0] == "ket_qua" else parts[1]) if d.kind in WITH_SUBJECT else None

    expected = {
        (KINDS[d.kind], d.student, subject(d)) for d in data.differences if d.expect != "none" and d.kind in KINDS
    }
    # the CSDL has not issued some students an ID yet: they are in vnEdu only, truly
    expected |= {("missing_student", s.key, None) for s in school.students if s.ministry_id is None}
    return expected


def found_of(school, found) -> set:
    by_vnedu = {s.vnedu_id: s.key for s in school.students}
    by_csdl = {s.ministry_id: s.key for s in school.students if s.ministry_id}
    signatures = set()
    for d in found:
        student = by_vnedu.get(d.keys.get("vnedu")) or by_csdl.get(d.keys.get("csdl"))
        signatures.add(
            (d.kind, student, d.subject if d.kind in ("score_mismatch", "missing_score", "average_mismatch") else None)
        )
    return signatures


@pytest.mark.parametrize("seed", [1, 2])
def test_precision_and_recall_against_the_manifest(seed):
    school = generate_school(seed, 2000, TODAY)
    data = build_platform_data(school, seed)
    found = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    expected, signatures = expected_of(school, data), found_of(school, found)
    true_positive = expected & signatures
    precision, recall = len(true_positive) / len(signatures), len(true_positive) / len(expected)
    assert precision >= 0.99 and recall >= 0.99, (sorted(signatures - expected)[:5], sorted(expected - signatures)[:5])
    assert len({d.id for d in found}) == len(found)  # one record per difference
    assert all(d.message and d.class_code for d in found)


def test_names_differing_only_by_nfd_or_tone_placement_raise_nothing_and_ids_are_stable():
    from lienthong.simulators.views import Rates

    school = generate_school(3, 600, TODAY)
    data = build_platform_data(school, 3, Rates(name_variant=0.3))
    first = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    by_key = {s.key: s for s in school.students}
    quiet = {by_key[d.student].ministry_id for d in data.differences if d.kind == "name_variant" and d.expect == "none"}
    loud = {by_key[d.student].ministry_id for d in data.differences if d.kind == "name_variant" and d.expect != "none"}
    named = {d.keys.get("csdl") for d in first if d.kind == "bio_mismatch" and d.field == "ho_ten"}
    assert quiet and loud  # both kinds of variant are in the data
    assert not quiet & named and loud <= named
    again = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    assert [d.id for d in again] == [d.id for d in first]


def test_the_teacher_reads_which_score_differs_where():
    school = generate_school(4, 400, TODAY)
    data = build_platform_data(school, 4)
    found = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    typo = next(d for d in found if d.kind == "score_mismatch")
    assert typo.message.startswith("Điểm ĐĐG") and "sổ điểm" in typo.message and "– vnEdu" in typo.message
    assert set(typo.values) == {"gradebook", "vnedu"} and typo.as_json()["student"]["keys"]["vnedu"]


def test_reconcile_command_writes_json_lines_and_a_summary(tmp_path):
    import json
    import subprocess
    from datetime import datetime, timezone

    from sqlmodel import Session

    from lienthong.store.db import make_engine, migrate
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots
    from tests.cli.test_assess_cli import lienthong

    school = generate_school(6, 400, TODAY)
    data = build_platform_data(school, 6)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    migrate(url)
    with Session(make_engine(url)) as session:
        now = datetime.now(timezone.utc)
        for source, entities in sources_of(school, data).items():
            for entity, records in entities.items():
                items = [SnapshotRecord(source, entity, k, 1, v) for k, v in records.items()]
                for start in range(0, len(items), 500):
                    upsert_snapshots(session, items[start : start + 500], now)
        session.commit()
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LIENTHONG_SCHOOL_YEAR": school.school_year}
    done = subprocess.run(
        [*lienthong(), "--db", url, "reconcile", "--format", "json"], capture_output=True, timeout=120, env=env
    )
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    summary = json.loads(done.stderr.decode().strip().splitlines()[-1])
    assert done.returncode == 1 and summary["total"] == len(records) > 0
    assert {
        "id",
        "kind",
        "severity",
        "class",
        "student",
        "subject",
        "semester",
        "field",
        "values",
        "suggestion",
        "message",
        "seen",
    } == set(records[0])
    assert all(set(r["seen"]) <= {"gradebook", "vnedu", "csdl"} and r["seen"] for r in records)  # when read
    assert summary["new"] == len(records)
    again = subprocess.run(
        [*lienthong(), "--db", url, "reconcile", "--format", "json"], capture_output=True, timeout=120, env=env
    )
    second = json.loads(again.stderr.decode().strip().splitlines()[-1])
    assert (second["total"], second["new"], second["closed"]) == (len(records), 0, 0)  # nothing raised twice
    assert [json.loads(line)["id"] for line in again.stdout.decode().splitlines()] == [r["id"] for r in records]
    table = subprocess.run(
        [*lienthong(), "--db", url, "reconcile", "--class", records[0]["class"]],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert (
        table.returncode == 1
        and records[0]["class"] in table.stdout.decode()
        and "khác biệt cần xem" in table.stdout.decode()
    )


def test_the_register_keeps_each_difference_once_and_closes_what_agrees_again(tmp_path):
    from datetime import datetime, timedelta, timezone

    from sqlmodel import Session, select

    from lienthong.reconciliation.register import record
    from lienthong.store.db import make_engine, migrate
    from lienthong.store.tables import DiscrepancyRow

    school = generate_school(7, 300, TODAY)
    data = build_platform_data(school, 7)
    found = reconcile(sources_of(school, data), school.school_year, "1", TODAY)
    url = f"sqlite:///{tmp_path / 'reg.db'}"
    migrate(url)
    engine = make_engine(url)
    t0 = datetime(2026, 11, 23, 3, tzinfo=timezone.utc)
    with Session(engine) as session:
        assert record(session, found, t0)["new"] == len(found) > 0
        session.commit()
    with Session(engine) as session:  # unchanged data: nothing new, nothing closed
        assert record(session, found, t0 + timedelta(hours=1)) == {"seen": len(found)}
        session.commit()
    with Session(engine) as session:  # one difference fixed at the source: it closes itself
        assert record(session, found[1:], t0 + timedelta(hours=2)) == {"seen": len(found) - 1, "closed": 1}
        session.commit()
        row = session.get(DiscrepancyRow, found[0].id)
        assert row.status == "closed" and row.first_seen.replace(tzinfo=timezone.utc) == t0
    with Session(engine) as session:  # and comes back: the same record reopens
        assert record(session, found, t0 + timedelta(hours=3))["reopened"] == 1
        session.commit()
        assert len(session.exec(select(DiscrepancyRow)).all()) == len(found)


def test_a_learning_level_the_csdl_holds_wrongly_is_found_by_recomputing_it():
    school = generate_school(8, 400, TODAY)
    data = build_platform_data(school, 8)
    victim = next(
        s
        for s in school.students
        if s.ministry_id in data.csdl["hoc_sinh"]
        and data.csdl["ket_qua"][(s.ministry_id, "1")]["KetQuaHocTap"] in ("T", "K")
    )
    result = data.csdl["ket_qua"][(victim.ministry_id, "1")]
    right = result["KetQuaHocTap"]
    result["KetQuaHocTap"] = "CĐ"
    found = [
        d
        for d in reconcile(sources_of(school, data), school.school_year, "1", TODAY)
        if d.kind == "result_mismatch" and d.field == "KetQuaHocTap"
    ]
    assert [(d.keys["csdl"], d.values) for d in found] == [(victim.ministry_id, {"csdl": "CĐ", "vnedu": right})]
    assert "Chưa đạt" in found[0].message


def test_a_report_the_so_sent_back_is_a_school_level_discrepancy():
    import asyncio

    import httpx

    from lienthong.simulators.server import Simulators
    from tests.contract.platforms import _portal
    from tests.simulators.test_portal_contract import attendance_workbook, poll, submit

    sims = Simulators.create(seed=12, students=120, today=TODAY, rate_limit=0).start()
    try:
        with httpx.Client(
            base_url=f"{sims.servers['portal'].url}/api/v1", headers={"X-Api-Key": "demo-key"}, timeout=30
        ) as portal:
            codes = {"ma_truong": sims.school.ma_truong, "ma_tinh": "79", "ma_xa": "26734"}
            listed = portal.get("/yeu-cau-bao-cao", params={**codes, "nam_hoc": sims.school.school_year}).json()
            request = next(r for r in listed if r["ma_bieu_mau"] == "TK-CHUYENCAN" and r["trang_thai"] == "chua_nop")
            content, summary = attendance_workbook(sims, tamper=3)  # a class's size that is not the school's
            number = submit(portal, request["ma_yeu_cau"], content, summary).json()["ma_lan_nop"]
            assert poll(portal, number)[1]["trang_thai"] == "tra_lai"

        async def pulled():
            async def no_wait(_):
                return None

            async with _portal(sims, no_wait) as api:
                return {r.key: r.data async for page in api.pull("yeu_cau_bao_cao") for r in page.records}

        requests = asyncio.run(pulled())
    finally:
        sims.stop()
    found = reconcile({"portal": {"yeu_cau_bao_cao": requests}}, sims.school.school_year, "1", TODAY)
    assert [(d.kind, d.keys) for d in found] == [("report_refused", {"portal": request["ma_yeu_cau"]})]
    assert "bị Sở GD&ĐT trả lại" in found[0].message and found[0].class_code is None


def test_a_training_level_the_csdl_holds_unlike_vnedu_is_found():
    from lienthong.simulators.views import Rates

    school = generate_school(9, 300, TODAY)
    data = build_platform_data(
        school, 9, Rates(**{**{k: 0.0 for k in Rates.__dataclass_fields__}, "training_mismatch": 0.05})
    )
    injected = {(d.student, d.values["csdl"]) for d in data.differences}
    by_csdl = {s.ministry_id: s.key for s in school.students}
    found = [
        d for d in reconcile(sources_of(school, data), school.school_year, "1", TODAY) if d.kind != "missing_student"
    ]  # (students the CSDL has not issued an ID yet)
    assert injected and {(by_csdl[d.keys["csdl"]], d.values["csdl"]) for d in found} == injected
    assert all(
        d.kind == "result_mismatch" and d.field == "KetQuaRenLuyen" and "rèn luyện HK1" in d.message for d in found
    )


def test_csdl_results_file_counts_each_semester_s_own_absences():
    from lienthong.reconciliation.csdl_files import results_file
    from lienthong.simulators.views import Rates

    school = generate_school(13, 200, date(2026, 6, 15))  # 2025-2026 is over: both semesters
    data = build_platform_data(school, 13, Rates.none())
    sources = sources_of(school, data)
    for semester in ("1", "2"):
        built = results_file(sources, school.school_year, semester, None)
        held = {k[0]: r for k, r in data.csdl["ket_qua"].items() if k[1] == semester}
        assert len(built.records) > 150
        assert [(r["SoBuoiNghiCoPhep"], r["SoBuoiNghiKhongPhep"]) for r in built.records] == [
            (held[r["MaDinhDanh"]]["SoBuoiNghiCoPhep"], held[r["MaDinhDanh"]]["SoBuoiNghiKhongPhep"])
            for r in built.records
        ]
        assert [r["KetQuaHocTap"] for r in built.records] == [
            held[r["MaDinhDanh"]]["KetQuaHocTap"] for r in built.records
        ]
