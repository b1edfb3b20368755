"""A synthetic school with many missing scores in vnEdu, its gradebooks imported, simulators running."""

from datetime import date, datetime

from pydantic import SecretStr

from lienthong.connectors.gradebook.excel import Expect
from lienthong.connectors.http import RateLimiter, RetryPolicy
from lienthong.connectors.vnedu.api import VneduApi, VneduConfig
from lienthong.simulators.gradebooks import score_book
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators
from lienthong.simulators.views import Rates
from lienthong.sync.file_import import import_score_book

SUBJECTS = ("TOAN", "VAN", "NN1")


def pinned() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)


def make_sims(**rates):
    return Simulators.create(
        seed=21,
        students=300,
        today=date(2026, 11, 23),
        clock=pinned,
        rate_limit=0,
        rates=Rates(**{**{k: 0.0 for k in Rates.__dataclass_fields__}, **rates}),
    ).start()


def import_books(engine, sims, subjects=SUBJECTS, edit=None):
    for subject in subjects:
        data = score_book(sims.school, subject, "1")
        if edit:
            data = edit(subject, data)
        import_score_book(engine, data, Expect(subject=subject, semester="1"), None, "giao-vien", pinned)


def vnedu(sims, policy=RetryPolicy(attempts=12, initial=0.001, maximum=0.01, budget=600)):
    config = VneduConfig(
        sims.servers["vnedu"].url, sims.school.ma_truong, "lienthong-demo", SecretStr("demo-secret"), 2026, rate_limit=0
    )

    async def no_wait(_seconds):
        return None

    return VneduApi(config, policy=policy, sleep=no_wait, limiter=RateLimiter(0))
