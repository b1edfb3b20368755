"""`config.environment` reads the environment and the TOML file exactly as pydantic-settings read
them for `Settings` before (``env_prefix="LIENTHONG_"``, ``env_nested_delimiter="__"``, case-insensitive
names, JSON for structured values, init > environment > TOML merged key by key): compared with
pydantic-settings itself, on hand-written and generated environments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lienthong.config.environment import BadEnvironmentValue, from_environment
from lienthong.config.settings import Settings, SettingsError

pydantic_settings = pytest.importorskip("pydantic_settings")


def _twin() -> type:
    """`Settings`' fields on pydantic-settings' `BaseSettings`, read as `Settings` was configured."""
    fields = {name: (field.annotation, field) for name, field in Settings.model_fields.items()}

    class Sources(pydantic_settings.BaseSettings):
        model_config = pydantic_settings.SettingsConfigDict(
            env_prefix="LIENTHONG_", env_nested_delimiter="__", extra="forbid"
        )

        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            toml = os.environ.get("LIENTHONG_CONFIG")
            found = [init_settings, env_settings]
            if toml:
                found.append(pydantic_settings.TomlConfigSettingsSource(settings_cls, toml_file=Path(toml)))
            return tuple(found)

    from pydantic import create_model

    return create_model("Twin", __base__=Sources, **fields)


TWIN = _twin()


def _theirs(environ: dict[str, str]) -> dict[str, Any] | type:
    source = pydantic_settings.EnvSettingsSource(TWIN)
    source.env_vars = {k.lower(): v for k, v in environ.items()}
    try:
        return source()
    except pydantic_settings.SettingsError:
        return BadEnvironmentValue


def _ours(environ: dict[str, str]) -> dict[str, Any] | type:
    try:
        return from_environment(Settings, environ)
    except BadEnvironmentValue:
        return BadEnvironmentValue


HAND_WRITTEN = [
    {"LIENTHONG_MA_TRUONG": "79000701", "LIENTHONG_DATABASE_URL": "sqlite:///x.db", "PATH": "/bin"},
    {"lienthong_ma_truong": "79000701", "LIENTHONG_SCHOOL_YEAR": ""},
    {"LIENTHONG_VNEDU__BASE_URL": "https://v", "LIENTHONG_VNEDU__CLIENT_ID": "c", "LIENTHONG_VNEDU__RATE_LIMIT": "3"},
    {"LIENTHONG_VNEDU": '{"BASE_URL": "https://v", "client_id": "c"}', "LIENTHONG_VNEDU__RATE_LIMIT": "2"},
    {"LIENTHONG_VNEDU": "not json"},
    {"LIENTHONG_SCHEDULE": "not json"},
    {"LIENTHONG_SCHEDULE": '{"FULL": "0 3 * * *"}', "LIENTHONG_SCHEDULE__RUN_AT_START": "false"},
    {"LIENTHONG_SCHEDULE__SEMESTER_ENDS": '["01-10", "05-20"]'},
    {"LIENTHONG_SCHEDULE__SEMESTER_ENDS": "01-10"},
    {"LIENTHONG_AUTHORITY__SCORES__APPROVAL": '["correction", "fill"]', "LIENTHONG_AUTHORITY__IDENTITY": "csdl"},
    {"LIENTHONG_AUTHORITY__SCORES": '{"owner": "vnedu"}', "LIENTHONG_AUTHORITY__SCORES__TARGETS": '["csdl"]'},
    {"LIENTHONG_PLATFORMS__SMAS__CONNECTOR": "pkg.mod:Smas", "LIENTHONG_PLATFORMS__SMAS__RATE_LIMIT": "5"},
    {"LIENTHONG_PLATFORMS__SMAS": '{"connector": "pkg.mod:Smas"}', "LIENTHONG_PLATFORMS__SMAS__BASE_URL": "https://s"},
    {"LIENTHONG_PLATFORMS": '{"smas": {"connector": "a:B"}}'},
    {"LIENTHONG_LOCK_WINDOWS": '[{"semester": "1", "opens": "2026-01-01T00:00", "closes": "2026-01-10T00:00"}]'},
    {"LIENTHONG_LOCK_WINDOWS__SEMESTER": "1"},
    {"LIENTHONG_ENGINE__MODE": "distributed", "LIENTHONG_ENGINE__CONCURRENCY": "4", "LIENTHONG_ENGINE__BOGUS": "1"},
    {"LIENTHONG_RECORDS__RETENTION_YEARS": "5", "LIENTHONG_MA_TRUONG__X": "1", "LIENTHONG_VNEDU_CLIENT_SECRET": "s"},
    {"LIENTHONG_FILES__GRADEBOOK_PARTS": "GK=GKTN+GKTH", "LIENTHONG_SECRETS_FILE": "/etc/lienthong/secrets.toml"},
    {"LIENTHONG_VNEDU__": "x", "LIENTHONG___": "y", "LIENTHONG_VNEDU____X": "z"},
    {"LIENTHONG_SCHEDULE": "[1, 2]", "LIENTHONG_SCHEDULE__FULL": "x"},
]


@pytest.mark.parametrize("environ", HAND_WRITTEN)
def test_the_environment_reads_as_pydantic_settings_read_it(environ):
    assert _ours(environ) == _theirs(environ)


NAMES = [
    *(f"LIENTHONG_{name.upper()}" for name in Settings.model_fields),
    "LIENTHONG_VNEDU__BASE_URL",
    "LIENTHONG_vnedu__client_id",
    "LIENTHONG_SCHEDULE__FULL",
    "LIENTHONG_SCHEDULE__SEMESTER_ENDS",
    "LIENTHONG_AUTHORITY__SCORES",
    "LIENTHONG_AUTHORITY__SCORES__OWNER",
    "LIENTHONG_AUTHORITY__SCORES__APPROVAL",
    "LIENTHONG_PLATFORMS__SMAS",
    "LIENTHONG_PLATFORMS__SMAS__CONNECTOR",
    "LIENTHONG_PLATFORMS__SMAS__TIMEOUT",
    "LIENTHONG_ENGINE__CONCURRENCY",
    "LIENTHONG_RECORDS__ARCHIVE_DIR",
    "LIENTHONG_LOCK_WINDOWS__KIND",
    "LIENTHONG_CSDL__ENDPOINT__DEEPER",
    "LIENTHONG_CONFIG",
    "HOME",
]
VALUES = st.one_of(
    st.sampled_from(["", "x", "1", "2.5", "true", "null", "[]", "{}", '["a", "b"]', '{"A": 1}', '{"full": "x"}']),
    st.sampled_from(['{"base_url": "u", "CLIENT_ID": "c"}', '{"owner": "csdl", "targets": ["vnedu"]}', '"text"']),
    st.text(max_size=8),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=6))
def test_generated_environments_read_as_pydantic_settings_read_them(environ):
    assert _ours(environ) == _theirs(environ)


def test_keywords_over_environment_over_toml(tmp_path, monkeypatch):
    """The whole model, merged key by key, equals what pydantic-settings built; the same refusals."""
    toml = tmp_path / "lienthong.toml"
    toml.write_text(
        'ma_truong = "79000701"\ntimezone = "Asia/Bangkok"\n[vnedu]\nbase_url = "https://toml"\nclient_id = "t"\n'
        '[schedule]\nfull = "0 1 * * *"\nincremental = "*/10 * * * *"\n[platforms.smas]\nconnector = "a:B"\nkey = 1\n',
        encoding="utf-8",
    )
    for name in [n for n in os.environ if n.upper().startswith("LIENTHONG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LIENTHONG_CONFIG", str(toml))
    monkeypatch.setenv("LIENTHONG_VNEDU__BASE_URL", "https://env")
    monkeypatch.setenv("LIENTHONG_SCHEDULE__FULL", "0 4 * * *")
    monkeypatch.setenv("LIENTHONG_TIMEZONE", "Asia/Ho_Chi_Minh")
    given = {"MA_TRUONG": "79000702", "schedule": {"incremental": "0 * * * *"}}
    ours, theirs = Settings(**given), TWIN(**given)
    assert ours.model_dump() == theirs.model_dump()
    assert ours.ma_truong == "79000702" and ours.vnedu.base_url == "https://env" and ours.vnedu.client_id == "t"
    assert (ours.schedule.full, ours.schedule.incremental) == ("0 4 * * *", "0 * * * *")
    assert ours.platforms["smas"].options() == {"key": 1}

    monkeypatch.setenv("LIENTHONG_VNEDU__BSE_URL", "https://typo")
    with pytest.raises(ValidationError) as ours_error:
        Settings()
    with pytest.raises(ValidationError) as theirs_error:
        TWIN()
    assert [(e["loc"], e["type"]) for e in ours_error.value.errors()] == [
        (e["loc"], e["type"]) for e in theirs_error.value.errors()
    ]


def test_a_table_variable_that_is_not_json_is_named(monkeypatch):
    monkeypatch.setenv("LIENTHONG_SCHEDULE", "0 2 * * *")
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert "LIENTHONG_SCHEDULE" in str(refused.value) and "JSON" in str(refused.value)
