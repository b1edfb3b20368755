"""The toy platform's simulator: a school's e-contact book («sổ liên lạc điện tử») that keeps
its own list of students. Its wire, written here as its own small contract:

- ``GET /hoc-sinh?cursor=&limit=`` → ``{"items": [{ma, ho_ten, ngay_sinh (dd/mm/yyyy), lop,
  gioi_tinh ("Nam"/"Nữ"), trang_thai (catalog code), ma_dinh_danh, version}], "next_cursor"}``
- ``PUT /hoc-sinh`` (``Idempotency-Key``) ``{"items": [...]}`` → ``{"items": [{key, status, version}]}``:
  ``applied``, or ``locked`` while the book is closed; a replayed key answers again, writes nothing
- ``GET /khoa`` → ``{"locked": bool}``; errors ``{"error", "message"}`` with 4xx/5xx
- control: ``GET /_sim/writes``, ``PUT /_sim/khoa?locked=``
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

from lienthong.simulators.faults import FaultInjector, FaultMiddleware

PAGE = 100


@dataclass
class ToyState:
    students: dict[str, dict] = field(default_factory=dict)
    locked: bool = False
    writes: int = 0
    answers: dict[str, list] = field(default_factory=dict)  # idempotency key → the answer given
    faults: FaultInjector = field(default_factory=lambda: FaultInjector(seed=7))

    @classmethod
    def of_school(cls, school, left_out: int = 1, renamed: int = 1) -> "ToyState":
        """The school's students with ministry IDs; the first ``left_out`` are missing and the
        next ``renamed`` carry another given name (the differences reconciliation must find)."""
        state = cls()
        listed = [s for s in school.students if s.ministry_id][left_out:]
        for number, student in enumerate(listed):
            name = student.full_name
            if number < renamed:
                name = " ".join([*name.split()[:-1], "Khánh" if name.split()[-1] != "Khánh" else "Lâm"])
            code = f"LL{student.ministry_id}"
            state.students[code] = {
                "ma": code,
                "ho_ten": name,
                "ngay_sinh": f"{student.birth_date:%d/%m/%Y}",
                "lop": student.class_code,
                "gioi_tinh": student.gender,
                "trang_thai": student.status,
                "ma_dinh_danh": student.ministry_id,
                "version": 1,
            }
        return state


def _error(status: int) -> tuple[bytes, bytes]:
    return b'{"error": "tam_thoi", "message": "Tam thoi khong phuc vu"}', b"application/json"


def build(state: ToyState):
    app = FastAPI()

    @app.get("/hoc-sinh")
    def students(cursor: int = 0, limit: int = PAGE):
        keys = sorted(state.students)
        page = keys[cursor : cursor + limit]
        following = cursor + limit if cursor + limit < len(keys) else None
        return {"items": [state.students[k] for k in page], "next_cursor": following}

    @app.put("/hoc-sinh")
    async def push(request: Request, idempotency_key: str = Header(None)):
        if not idempotency_key:
            return JSONResponse({"error": "thieu_khoa", "message": "Thiếu Idempotency-Key"}, status_code=400)
        if idempotency_key in state.answers:
            return {"items": state.answers[idempotency_key]}
        answers = []
        for item in (await request.json())["items"]:
            if state.locked:
                answers.append({"key": item["ma"], "status": "locked"})
                continue
            held = state.students.get(item["ma"], {"version": 0})
            state.students[item["ma"]] = {**item, "version": held["version"] + 1}
            state.writes += 1
            answers.append({"key": item["ma"], "status": "applied", "version": held["version"] + 1})
        state.answers[idempotency_key] = answers
        return {"items": answers}

    @app.get("/khoa")
    def lock():
        return {"locked": state.locked}

    @app.get("/_sim/writes")
    def writes():
        return {"total": state.writes}

    @app.put("/_sim/khoa")
    def set_lock(locked: bool):
        state.locked = locked
        return {"locked": locked}

    return FaultMiddleware(app, state.faults, _error)
