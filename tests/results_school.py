"""A small school for the results workflow: vnEdu's students and period summaries stored as pulled,
and the accounts that confirm (the GVCN of 9A1, of 9A2) and approve (the principal)."""

from __future__ import annotations

from datetime import datetime, timezone

from argon2 import PasswordHasher
from sqlmodel import Session

from lienthong.reconciliation.results import Where
from lienthong.store import accounts
from lienthong.store.repository import SnapshotRecord, upsert_snapshots
from lienthong.store.tables import UserRow, UserScopeRow

NOW = datetime(2027, 5, 25, 3, 0, tzinfo=timezone.utc)
MA_TRUONG = "79000701"
YEAR = "2026-2027"
WHERE = Where(YEAR)
PASSWORD = "mat-khau-dai-1"
# key, name, class, ministry id, (learning, training, promotion, title, TOAN, VAN, GDTC)
PUPILS = [
    ("1800000001", "Lê Văn Ánh", "9A1", "7900000001", ("T", "T", "LL", "G", "8.5", "8.0", "Đ")),
    ("1800000002", "Trần Thị Ngọc", "9A1", "7900000002", ("CĐ", "Đ", "KTL", None, "4.5", "6.0", "CĐ")),
    ("1800000003", "Phạm Minh Khôi", "9A1", "7900000003", ("Đ", "CĐ", "RLH", None, "6.0", "5.5", "Đ")),
    ("1800000004", "Vũ Thu Hà", "9A2", "7900000004", ("K", "T", "LL", None, "7.0", "7.5", "Đ")),
]
LOGINS = {"principal": "hieutruong", "gvcn": "gvcn9a1", "gvcn2": "gvcn9a2", "teacher": "gvbm", "it": "quantri"}


def quick(monkeypatch) -> None:
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def summary(key: str, period: str, values: tuple, excused: int = 2, unexcused: int = 1) -> dict:
    learning, training, promotion, title, toan, van, gdtc = values
    item = {
        "ma_hoc_sinh": key,
        "nam_hoc": YEAR,
        "hoc_ky": period,
        "mon": {"TOAN": toan, "VAN": van, "GDTC": gdtc},
        "kq_hoc_tap": learning,
        "kq_ren_luyen": training,
        "nghi_co_phep": excused,
        "nghi_khong_phep": unexcused,
    }
    if period == "CN":
        item.update(danh_hieu=title, len_lop=promotion)
    return item


def student(key: str, name: str, class_code: str, mid: str, status: str = "Đang học") -> dict:
    return {
        "ma_hoc_sinh": key,
        "ma_dinh_danh_bo": mid,
        "ho_ten": name,
        "ngay_sinh": "2012-03-04",
        "gioi_tinh": "Nam",
        "dan_toc": "Kinh",
        "ma_lop": class_code,
        "trang_thai": status,
    }


def store_school(engine, pupils=PUPILS, version: int = 1, at: datetime = NOW) -> None:
    """vnEdu's students and their HK1, HK2 and year summaries, as a pull stores them."""
    records = []
    for key, name, class_code, mid, values in pupils:
        records.append(SnapshotRecord("vnedu", "hoc_sinh", key, version, student(key, name, class_code, mid)))
        for period in ("1", "2", "CN"):
            records.append(
                SnapshotRecord("vnedu", "tong_hop", f"{key}:{period}", version, summary(key, period, values))
            )
    with Session(engine) as session:
        for entity in ("hoc_sinh", "tong_hop"):  # one entity per call, as a pull's pages
            upsert_snapshots(session, [r for r in records if r.entity == entity], at)
        session.commit()


def change(engine, key: str, period: str, version: int, at: datetime = NOW, pupils=PUPILS, **fields) -> None:
    """A later pull or import brings a changed summary for one student."""
    pupil = next(p for p in pupils if p[0] == key)
    item = {**summary(key, period, pupil[4]), **fields}
    with Session(engine) as session:
        upsert_snapshots(session, [SnapshotRecord("vnedu", "tong_hop", f"{key}:{period}", version, item)], at)
        session.commit()


def make_accounts(engine, gvcn_class: str = "9A1") -> dict[str, accounts.Actor]:
    with Session(engine) as session:
        it = accounts.add_user(session, LOGINS["it"], "Lê Văn An", "it", PASSWORD, NOW)
        made = {"it": it}
        people = {
            "principal": ("Trần Văn Minh", "principal", {}),
            "gvcn": ("Nguyễn Thị Lan", "gvcn", {"class": [gvcn_class]}),
            "gvcn2": ("Phạm Thu Hoà", "gvcn", {"class": ["9A2"]}),
            "teacher": ("Đỗ Văn Bình", "teacher", {"class": ["9A1"], "subject": ["TOAN"]}),
            "board": ("Vũ Thị Hà", "board", {}),
        }
        for name, (full, role, scopes) in people.items():
            made[name] = accounts.add_user(session, LOGINS.get(name, name), full, role, PASSWORD, NOW, scopes, by=it)
        # the principal let the board member approve corrections: still not the class results
        session.add(UserScopeRow(user_id=made["board"].id, kind="delegation", value="approve"))
        session.commit()
        made["board"] = accounts.actor_of(session, session.get(UserRow, made["board"].id))
    return made
