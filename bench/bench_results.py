"""The class results workflow's server time with a 2,500-student school (63 classes of about 40):
the school's record as vnEdu's students and their HK1, HK2 and year summaries, stored as a pull
stores them. Times (median and p95 of 20 calls, after one warm-up) the GVCN's view of her class
(all three periods: what `/ket-qua/lop/…` asks), the principal's view of every class (`/ket-qua`),
one confirmation, and the plan of the year results of the whole school for the CSDL (in a run's
plan step). Reported, not asserted.

``python -m bench.bench_results``
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session

STUDENTS = 2500
PER_CLASS = 40
CALLS = 20
NAMES = ("An", "Bình", "Chi", "Dũng", "Hà", "Khôi", "Lan", "Minh", "Ngọc", "Phúc", "Quang", "Thảo", "Trang", "Vy")
NOW = datetime(2027, 5, 25, 3, 0, tzinfo=timezone.utc)


def _school(engine) -> list[str]:
    from lienthong.store.repository import SnapshotRecord, upsert_snapshots

    rng = random.Random(7)
    students, summaries, classes = [], [], []
    for n in range(STUDENTS):
        grade, index = 6 + n // 625, (n % 625) // PER_CLASS + 1
        class_code = f"{grade}A{index}"
        classes.append(class_code)
        key, mid = f"18{n:08d}", f"79{n:08d}"
        students.append(
            SnapshotRecord(
                "vnedu",
                "hoc_sinh",
                key,
                1,
                {
                    "ma_hoc_sinh": key,
                    "ma_dinh_danh_bo": mid,
                    "ho_ten": f"Nguyễn Văn {NAMES[n % len(NAMES)]} {NAMES[n // len(NAMES) % len(NAMES)]}",
                    "ngay_sinh": "2012-03-04",
                    "gioi_tinh": "Nam",
                    "dan_toc": "Kinh",
                    "ma_lop": class_code,
                    "trang_thai": "Đang học",
                },
            )
        )
        for period in ("1", "2", "CN"):
            item = {
                "ma_hoc_sinh": key,
                "nam_hoc": "2026-2027",
                "hoc_ky": period,
                "mon": {code: f"{rng.randint(30, 100) / 10:.1f}" for code in ("TOAN", "VAN", "NN1", "KHTN", "LSDL")}
                | {"GDTC": rng.choice(["Đ", "Đ", "CĐ"])},
                "kq_hoc_tap": rng.choice(["T", "K", "Đ", "CĐ"]),
                "kq_ren_luyen": rng.choice(["T", "K", "Đ"]),
                "nghi_co_phep": rng.randint(0, 5),
                "nghi_khong_phep": rng.randint(0, 3),
            }
            if period == "CN":
                item.update(len_lop=rng.choice(["LL", "LL", "LL", "KTL", "RLH"]), danh_hieu=None)
            summaries.append(SnapshotRecord("vnedu", "tong_hop", f"{key}:{period}", 1, item))
    with Session(engine) as session:
        upsert_snapshots(session, students, NOW)
        upsert_snapshots(session, summaries, NOW)
        session.commit()
    return sorted(set(classes))


def _timed(call, times: int = CALLS) -> tuple[float, float]:
    call()  # warm-up
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return statistics.median(samples), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    from lienthong.reconciliation import results
    from lienthong.store import accounts
    from lienthong.store.db import make_engine, migrate
    from lienthong.store.tables import SyncRunRow
    from lienthong.sync.year_results import plan_year_results

    folder = Path(tempfile.mkdtemp(prefix="lienthong-bench-results-"))
    url = f"sqlite:///{folder / 'results.db'}"
    migrate(url)
    engine = make_engine(url)
    start = time.perf_counter()
    classes = _school(engine)
    print(f"{STUDENTS} students in {len(classes)} classes stored in {time.perf_counter() - start:.1f} s")
    where = results.Where("2026-2027")
    with Session(engine) as session:
        it = accounts.add_user(session, "it", "Quản trị", "it", "mat-khau-dai-1", NOW)
        principal = accounts.add_user(session, "ht", "Hiệu trưởng", "principal", "mat-khau-dai-1", NOW, by=it)
        gvcn = accounts.add_user(session, "gv", "GVCN", "gvcn", "mat-khau-dai-1", NOW, {"class": [classes[0]]}, by=it)
        session.add(SyncRunRow(id=1, started_at=NOW, platforms="csdl", mode="full", status="running"))
        session.commit()

    def view(actor, class_code=None):
        def call():
            with Session(engine) as session:
                results.statuses(session, actor, where, class_code)

        return call

    def confirm():
        with Session(engine) as session:
            results.confirm(session, gvcn, where, classes[0], "CN", NOW)
            session.rollback()

    def plan():
        with Session(engine) as session:
            plan_year_results(session, 1, where, ["csdl"], NOW)
            session.rollback()

    for name, call in (
        ("GVCN: her class, 3 periods", view(gvcn, classes[0])),
        ("principal: every class, 3 periods", view(principal)),
        ("GVCN confirms the year", confirm),
        ("year results plan, whole school (CSDL)", plan),
    ):
        median, p95 = _timed(call, 5 if "plan" in name or "every" in name else CALLS)
        print(f"{name:<42} median {median:7.1f} ms   p95 {p95:7.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
