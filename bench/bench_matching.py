"""Identity matching at a school's and at a province's size (issue 16).

1. 2,000 and 20,000 students (the generator's schools, with its default slips and students on one
   platform only), with the IDs vnEdu shares with the CSDL and without any (the file flow): CPU
   time of `match`, the best of five runs taken in turn, and the ratio of 20,000 to 2,000.
   Aim: at most 12 (before issue 16 the cost grew as N^2.25: 7 s and 21 min).
2. The file flow at 2,000 students against a scan of the whole grade (matching as it was before
   the blocks) in the same run: the same result, and how much faster.

The students are generated and mapped in a worker process and reach this one as loaded records
do, frozen out of the garbage collector as ``lienthong reconcile`` freezes what it loads: the
heap a generator leaves behind (millions of freed score cells) is no part of matching. For scale,
the same records joined on an exact key (name, birth date, class: a dict, no fuzzy score) are
timed too: what ten times the records cost on this machine even for the simplest linear work.
"""

from __future__ import annotations

import gc
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import date

from lienthong.reconciliation import matching
from lienthong.reconciliation.matching import match
from lienthong.reconciliation.people import people
from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data

TODAY = date(2026, 11, 23)
SIZES = (2000, 20000)


def _population(students: int, seed: int = 1):
    school = generate_school(seed, students, TODAY)
    data = build_platform_data(school, seed)
    anchors, _ = people("csdl", data.csdl["hoc_sinh"])
    others, _ = people("vnedu", data.vnedu["hoc_sinh"])
    return anchors, others, [replace(p, ministry_id=None, personal_id=None) for p in others]


def _cpu(action) -> tuple[float, float]:
    """CPU and wall seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def _join(anchors, others) -> int:
    """The simplest linear matching: an exact key, a dict."""
    index = {(a.full_name, a.birth_date, a.class_code): a.key for a in anchors}
    return sum((p.full_name, p.birth_date, p.class_code) in index for p in sorted(others, key=lambda p: p.key))


def _loaded(sizes: tuple[int, ...] = SIZES) -> dict[int, tuple]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as worker:
        return dict(zip(sizes, worker.map(_population, sizes)))


def scaling(runs: int = 5) -> None:
    populations = _loaded()
    gc.collect()
    gc.freeze()
    best: dict[tuple[int, str], tuple[float, float]] = {}
    for _ in range(runs):  # in turn, so that whatever else the machine does weighs on both sizes
        for n, (anchors, with_ids, without) in populations.items():
            for flow, others in (("shared IDs", with_ids), ("no shared ID", without)):
                cpu, wall = _cpu(lambda anchors=anchors, others=others: match(anchors, others))
                old = best.get((n, flow), (float("inf"), float("inf")))
                best[n, flow] = (min(old[0], cpu), min(old[1], wall))
            cpu, wall = _cpu(lambda anchors=anchors, others=without: _join(anchors, others))
            old = best.get((n, "join"), (float("inf"), float("inf")))
            best[n, "join"] = (min(old[0], cpu), min(old[1], wall))
    small, large = SIZES
    for flow in ("shared IDs", "no shared ID"):
        (cpu_s, wall_s), (cpu_l, wall_l) = best[small, flow], best[large, flow]
        anchors, with_ids, without = populations[large]
        result = match(anchors, with_ids if flow == "shared IDs" else without)
        print(
            f"matching, {flow}: {small:,} students {cpu_s * 1000:.0f} ms CPU ({wall_s * 1000:.0f} ms wall), "
            f"{large:,} students {cpu_l * 1000:.0f} ms CPU ({wall_l * 1000:.0f} ms wall): "
            f"{cpu_l / cpu_s:.1f}x the time for {large // small}x the students (aim: at most 12x); "
            f"at {large:,}: {len(result.links):,} links, {len(result.doubts)} doubts, "
            f"{len(result.duplicates)} duplicates, {len(result.unmatched)} on one platform",
            flush=True,
        )
    (join_s, _), (join_l, _) = best[small, "join"], best[large, "join"]
    print(
        f"exact-key join of the same records (the floor of linear work here): {small:,} students "
        f"{join_s * 1000:.1f} ms, {large:,} students {join_l * 1000:.1f} ms: {join_l / join_s:.1f}x",
        flush=True,
    )
    gc.unfreeze()


def against_full_scan() -> None:
    anchors, _, others = _loaded(SIZES[:1])[SIZES[0]]
    gc.collect()
    gc.freeze()
    blocked, blocked_time = None, float("inf")
    for _ in range(3):
        start = time.process_time()
        blocked = match(anchors, others)
        blocked_time = min(blocked_time, time.process_time() - start)
    scan, named = matching._Scoring.candidates, matching._Blocks.named
    matching._Scoring.candidates = lambda self, person, mine: [  # the whole grade, as before the blocks
        row for row in self.blocks.rows if row[0].grade == person.grade
    ]
    matching._Blocks.named = lambda self, person, mine: []  # in the grade already
    try:
        start = time.process_time()
        scanned = match(anchors, others)
        scan_time = time.process_time() - start
    finally:
        matching._Scoring.candidates, matching._Blocks.named = scan, named
        gc.unfreeze()
    print(
        f"matching, no shared ID, {SIZES[0]:,} students: blocks {blocked_time * 1000:.0f} ms, a scan of each "
        f"grade {scan_time * 1000:.0f} ms: {scan_time / blocked_time:.0f}x faster, "
        f"{'the same' if scanned == blocked else 'A DIFFERENT'} result",
        flush=True,
    )


def main() -> None:
    scaling()
    against_full_scan()


if __name__ == "__main__":
    main()
