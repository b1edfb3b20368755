"""Synthetic school generation: 2,000 students (aim: under 5 s), against a 200-student
school generated in the same run (the ratio shows the generator scales linearly)."""

from __future__ import annotations

import time
from datetime import date

from lienthong.simulators.school import generate_school
from lienthong.simulators.views import build_platform_data

TODAY = date(2026, 11, 23)


def _time(students: int) -> float:
    start = time.perf_counter()
    school = generate_school(1, students, TODAY)
    build_platform_data(school, 1)
    return time.perf_counter() - start


def main() -> None:
    small, large = _time(200), _time(2000)
    print(
        f"generator: 2000 students with every platform's copy and the manifest in {large:.2f} s "
        f"(aim: under 5 s); {large / small:.1f}x a 200-student school ({small:.2f} s), 10x is linear"
    )


if __name__ == "__main__":
    main()
