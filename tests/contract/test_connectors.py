"""One contract suite, run unchanged against every registered connector and its simulator."""

import asyncio
import uuid
from datetime import date, datetime

import pytest

from lienthong.connectors.base import PushOutcome
from lienthong.connectors.errors import ConfigError, ConnectorError
from lienthong.connectors.registry import connector_class, registry
from lienthong.simulators.faults import PROFILES
from lienthong.simulators.school import VN_TZ
from lienthong.simulators.server import Simulators
from tests.contract.platforms import CASES, Sleeps, settings_with_every_case

TODAY = date(2026, 11, 23)


def pinned() -> datetime:
    return datetime(2026, 11, 23, 10, 0, tzinfo=VN_TZ)


@pytest.fixture(scope="module")
def sims():
    running = Simulators.create(seed=11, students=600, today=TODAY, clock=pinned, rate_limit=0).start()
    for case in CASES.values():
        case.start(running)  # a platform added by configuration runs its own simulator
    yield running
    running.stop()


def set_faults(sims, profile) -> None:
    for case in CASES.values():
        case.set_faults(sims, profile)


@pytest.fixture(autouse=True)
def no_faults(sims):
    set_faults(sims, PROFILES["none"])
    yield
    set_faults(sims, PROFILES["none"])


def test_registry_and_simulators_list_the_same_platforms(sims):
    assert set(registry(settings_with_every_case())) == set(CASES) == set(sims.servers)


def test_unknown_connector_name_lists_the_known_ones():
    settings = settings_with_every_case()
    with pytest.raises(ConfigError) as caught:
        connector_class("smas", settings)
    assert all(name in caught.value.message for name in registry(settings))


def pull_everything(case, sims, sleep=None):
    async def run():
        async with case.connector(sims, sleep or Sleeps()) as connector:
            out = {}
            for entity, scope in case.full_pulls:
                keys = []
                async for page in connector.pull(entity, None, **scope):
                    keys += [(r.key, r.data) for r in page.records]
                out[entity] = keys
            return out

    return asyncio.run(run())


def comparable(data: dict) -> dict:
    """A record's fields as text, absent and empty fields dropped (a SOAP reader sees them as None),
    subjects without a value dropped (the CSDL sends nothing for them)."""
    plain = {k: str(v) for k, v in data.items() if v is not None and k != "Mon" and not k.startswith("_")}
    if "Mon" in data:
        plain["Mon"] = [
            {k: str(v) for k, v in m.items() if v is not None}
            for m in data["Mon"]
            if m.get("DiemTB") is not None or m.get("KetQuaDanhGia") is not None
        ]
    return plain


@pytest.mark.parametrize("platform", sorted(CASES))
def test_full_pull_equals_the_simulators_truth_record_for_record(sims, platform):
    case = CASES[platform]
    pulled = pull_everything(case, sims)
    for entity, scope in case.full_pulls:
        truth = case.truth(sims, entity, scope)
        keys = [k for k, _ in pulled[entity]]
        assert len(keys) == len(set(keys)) == len(truth), entity
        for key, data in pulled[entity]:
            assert comparable(data) == comparable(truth[key]), (entity, key)


@pytest.mark.parametrize("platform", sorted(CASES))
def test_push_applies_and_a_replay_changes_nothing(sims, platform):
    case = CASES[platform]
    entity, item = case.change(sims)
    key = f"contract-{uuid.uuid4()}"

    async def push():
        async with case.connector(sims, Sleeps()) as connector:
            return await connector.push(entity, [item], key)

    before = case.writes(sims)
    [first] = asyncio.run(push())
    assert first.outcome is PushOutcome.APPLIED, first.message
    assert case.writes(sims) == before + 1
    [again] = asyncio.run(push())
    assert again.outcome is PushOutcome.APPLIED
    assert case.writes(sims) == before + 1  # the replayed batch wrote nothing


@pytest.mark.parametrize("platform", sorted(CASES))
def test_a_closed_lock_window_refuses(sims, platform):
    case = CASES[platform]
    entity, item = case.change(sims)
    case.close_window(sims, True)
    try:

        async def push():
            async with case.connector(sims, Sleeps()) as connector:
                return await connector.push(entity, [item], f"locked-{uuid.uuid4()}")

        before = case.writes(sims)
        [result] = asyncio.run(push())
        assert result.outcome is PushOutcome.LOCKED and result.message
        assert case.writes(sims) == before
    finally:
        case.close_window(sims, False)


@pytest.mark.parametrize("platform", sorted(CASES))
def test_flaky_platform_still_gives_every_record_once(sims, platform):
    case = CASES[platform]
    set_faults(sims, PROFILES["flaky"])
    sleeps = Sleeps()
    for _ in range(20):  # a small platform answers in few requests: pull until faults have hit
        pulled = pull_everything(case, sims, sleeps)
        for entity, scope in case.full_pulls:
            keys = [k for k, _ in pulled[entity]]
            assert sorted(keys) == sorted(case.truth(sims, entity, scope)), entity
        if case.injected(sims) >= 3:
            break
    assert case.injected(sims) >= 3 and sleeps.waits


@pytest.mark.parametrize("platform", sorted(CASES))
def test_hostile_platform_stops_with_a_clear_message_or_completes(sims, platform):
    case = CASES[platform]
    set_faults(sims, PROFILES["hostile"])
    try:
        pulled = pull_everything(case, sims)
    except ConnectorError as exc:
        assert exc.platform == platform and exc.message
        assert any(ch in exc.message for ch in "ạảấầẩẫậăắằẳẵặđếềểễệốồổỗộơớờởỡợưứừửữự")  # Vietnamese
    else:
        for entity, scope in case.full_pulls:
            assert sorted(k for k, _ in pulled[entity]) == sorted(case.truth(sims, entity, scope))


@pytest.mark.parametrize("platform", sorted(CASES))
def test_push_under_hostile_faults_is_applied_at_most_once_and_completes_on_replay(sims, platform):
    case = CASES[platform]
    entity, item = case.change(sims)
    key = f"hostile-{uuid.uuid4()}"

    async def push():
        async with case.connector(sims, Sleeps()) as connector:
            return await connector.push(entity, [item], key)

    before = case.writes(sims)
    set_faults(sims, PROFILES["hostile"])
    for _ in range(3):
        try:
            [result] = asyncio.run(push())
            assert result.outcome is PushOutcome.APPLIED
        except ConnectorError as exc:
            assert exc.message  # stopped with a reason, never reported as applied
    set_faults(sims, PROFILES["none"])
    [result] = asyncio.run(push())
    assert result.outcome is PushOutcome.APPLIED
    assert case.writes(sims) == before + 1  # however the faults fell, written exactly once
