"""What the three simulators share: the clock, write counters and small parsers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from datetime import datetime
from typing import Callable

from fastapi import Request

from lienthong.simulators.school import VN_TZ

Clock = Callable[[], datetime]


def vn_now() -> datetime:
    return datetime.now(VN_TZ).replace(microsecond=0)


class WriteCounter:
    """How many times each record was actually written: tests prove exactly-once with it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, key: str) -> None:
        self.counts[key] += 1

    def as_dict(self) -> dict:
        return {"total": sum(self.counts.values()), "by_key": dict(sorted(self.counts.items()))}


def body_digest(raw: bytes) -> str:
    """Digest of a request body, after re-serialising JSON so that spacing does not matter."""
    try:
        raw = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        pass
    return hashlib.sha256(raw).hexdigest()


def encode_cursor(position: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    padded = cursor + "=" * (-len(cursor) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise ValueError("bad cursor")
    return value


def schools_writes(schools: dict) -> dict:
    """The write counters of a platform's schools (``ma_truong`` → its state with ``writes``)
    together: one school's as they are, several schools' keys prefixed by the school."""
    if len(schools) == 1:
        return next(iter(schools.values())).writes.as_dict()
    by_key = {f"{code}:{k}": n for code, st in schools.items() for k, n in st.writes.counts.items()}
    return {"total": sum(by_key.values()), "by_key": dict(sorted(by_key.items()))}


def add_control_routes(app, platform) -> None:
    """The control endpoints every simulator has (tests, demo): the write counters of all the
    platform's schools together (``platform.writes_as_dict()``) and its fault profile."""
    from lienthong.simulators.faults import profile

    @app.get("/_sim/writes")
    async def writes() -> dict:
        return platform.writes_as_dict()

    @app.get("/_sim/faults")
    async def get_faults() -> dict:
        return platform.faults.as_dict()

    @app.put("/_sim/faults")
    async def set_faults(request: Request) -> dict:
        platform.faults.set(profile(await request.json()))
        return platform.faults.as_dict()
