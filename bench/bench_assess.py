"""``lienthong assess`` on 10,000 generated students, against the same work in plain floats.

Three numbers, all from this run on this machine:
- the whole command (process start, JSON in, Circular 22, JSON out) over a pipe;
- the in-process pipeline with exact decimals (what the command does);
- the same pipeline with binary floats (the baseline: what a naive implementation costs),
  and how many students the floats get wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson

from lienthong.cli.assess import answer
from lienthong.mapping import catalogs
from lienthong.simulators.school import generate_students

STUDENTS = 10_000
YEAR = "2024-2025"


# --- the float baseline: the same rules, written the naive way ------------------------------


def _f(value) -> float:
    return float(str(value).replace(",", "."))


def _float_level(scores: list[float], marks: list[str]) -> str:
    def meets(level, sc, mk):
        if level == "T":
            return all(m == "Đ" for m in mk) and min(sc) >= 6.5 and sum(s >= 8 for s in sc) >= 6
        if level == "K":
            return all(m == "Đ" for m in mk) and min(sc) >= 5 and sum(s >= 6.5 for s in sc) >= 6
        if level == "Đ":
            return sum(m == "CĐ" for m in mk) <= 1 and min(sc) >= 3.5 and sum(s >= 5 for s in sc) >= 6
        return True

    order = ["CĐ", "Đ", "K", "T"]
    base = next(lv for lv in ("T", "K", "Đ", "CĐ") if meets(lv, scores, marks))
    for target in ("T", "K"):
        if order.index(base) <= order.index(target) - 2 and (
            any(meets(target, scores[:i] + scores[i + 1 :], marks) for i in range(len(scores)))
            or any(meets(target, scores, marks[:i] + marks[i + 1 :]) for i in range(len(marks)))
        ):
            return order[order.index(base) + 1]
    return base


def float_assess(obj: dict) -> dict:
    out: dict = {"subjects": {}}
    for code, sems in obj["subjects"].items():
        by_comment = catalogs.subject(code).by_comment
        values = {}
        for sem in ("hk1", "hk2"):
            s = sems[sem]
            if by_comment:
                values[sem] = "Đ" if all(m == "Đ" for m in [*s["tx"], s["gk"], s["ck"]]) else "CĐ"
            else:
                tx = [_f(v) for v in s["tx"]]
                values[sem] = round((sum(tx) + 2 * _f(s["gk"]) + 3 * _f(s["ck"])) / (len(tx) + 5), 1)
        values["cn"] = values["hk2"] if by_comment else round((values["hk1"] + 2 * values["hk2"]) / 3, 1)
        out["subjects"][code] = values
    out["learning"] = {
        p: _float_level(
            [v[p] for v in out["subjects"].values() if isinstance(v[p], float)],
            [v[p] for v in out["subjects"].values() if isinstance(v[p], str)],
        )
        for p in ("hk1", "hk2", "cn")
    }
    return out


# --- measurement ------------------------------------------------------------------------------


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    gen_time, students = _timed(lambda: generate_students(seed=1, count=STUDENTS, school_year=YEAR))
    lines = [json.dumps(s.assess_input(), ensure_ascii=False) for s in students]
    payload = ("\n".join(lines) + "\n").encode("utf-8")

    def exact():  # exactly what the command does for each line, on one core
        return [answer(number, line)[0] for number, line in enumerate(lines, start=1)]

    def floats():
        return [orjson.dumps(float_assess(orjson.loads(line))) for line in lines]

    t_float, float_out = _timed(floats)
    t_exact, exact_out = _timed(exact)
    jobs = os.cpu_count()
    command = shutil.which("lienthong", path=str(Path(sys.executable).parent)) or "lienthong"
    t_cmd, done = _timed(lambda: subprocess.run([command, "assess"], input=payload, capture_output=True))
    assert done.returncode == 0, done.stderr.decode()[:500]
    answered = done.stdout.decode("utf-8").count("\n")
    wrong = 0
    for f_line, e_line in zip(float_out, exact_out):
        f, e = orjson.loads(f_line), orjson.loads(e_line)
        wrong += f["learning"] != e["learning"] or any(f["subjects"][c] != e["subjects"][c] for c in e["subjects"])
    print(f"assess: {STUDENTS} students generated in {gen_time:.2f} s")
    print(
        f"assess: command over a pipe ({jobs} cores) {t_cmd:.2f} s for {answered} answers; "
        f"{t_cmd / t_float:.2f}x the one-core float pipeline (aim: under 3 s)"
    )
    print(f"assess: exact decimals, one core   {t_exact:.2f} s")
    print(f"assess: plain floats, one core     {t_float:.2f} s (baseline)")
    print(f"assess: ratio exact/float          {t_exact / t_float:.2f}x")
    print(f"assess: students where floats give another average or level: {wrong} of {STUDENTS}")


if __name__ == "__main__":
    main()
