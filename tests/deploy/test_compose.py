"""docker-compose.yml and the Dockerfile (issue 19, item 5), checked without Docker.

Docker is not on these machines, so the file is read the way Compose reads it and every part
that names lienthong is checked against lienthong itself: each service's command is a real
command with real options, each environment variable is a setting the code reads, each
long-running service has a healthcheck, no secret is committed, and the image copies every
package the project installs.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import typer.main
import yaml
from pydantic import BaseModel

from lienthong.cli.app import app
from lienthong.config.settings import OTHER_SECRETS, SECRET_NAMES, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
LIENTHONG_SERVICES = {name: spec for name, spec in SERVICES.items() if name != "postgres"}
# Read by the program outside Settings: the config file's path and the error log's folder.
OTHER_KNOWN = {"LIENTHONG_CONFIG", "LIENTHONG_LOG_DIR"}


def resolve(argv: list[str]) -> tuple[object, list[str]]:
    """The click command ``argv`` (after ``lienthong``) reaches, and the option names it used."""
    command = typer.main.get_command(app)  # typer's own (vendored) click: compared by shape, not class
    options, args = [], list(argv)
    while args:
        token = args.pop(0)
        if token.startswith("-"):
            options.append(token.split("=", 1)[0])
            param = _param(command, token.split("=", 1)[0])
            if param is not None and not param.is_flag and "=" not in token and args:
                args.pop(0)  # the option's value
        elif is_group(command):
            assert token in command.commands, (
                f"`lienthong … {token}` is not a command (known: {sorted(command.commands)})"
            )
            command = command.commands[token]
    return command, options


def is_group(command: object) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _param(command, name: str):
    """The option of ``command`` spelled ``name`` (``--port``), or ``None``."""
    return next((p for p in command.params if name in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])), None)


def known_setting(name: str) -> bool:
    """Whether pydantic-settings reads ``name`` (``LIENTHONG_`` prefix, ``__`` between nested keys)."""
    if name in OTHER_KNOWN or name in {env for _f, env, _k in SECRET_NAMES.values()}:
        return True
    if name in {env for env, _key in OTHER_SECRETS.values()}:
        return True
    if not name.startswith("LIENTHONG_"):
        return False
    model: type[BaseModel] | None = Settings
    for part in name.removeprefix("LIENTHONG_").lower().split("__"):
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        model = next((a for a in getattr(annotation, "__args__", (annotation,)) if _is_model(a)), None)
    return True


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def environment(spec: dict) -> dict[str, str]:
    """A service's variables: its ``environment`` and the committed example of each ``env_file``."""
    found = dict(spec.get("environment") or {})
    for env_file in spec.get("env_file") or []:
        example = ROOT / f"{env_file}.example"
        assert example.is_file(), f"{env_file} has no committed example ({example.name})"
        for line in example.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                found[key] = value
    return found


def test_the_services_the_issue_names_are_there():
    assert {"postgres", "migrate", "worker", "scheduler", "dashboard"} <= set(SERVICES)
    demo = [name for name, spec in SERVICES.items() if "demo" in (spec.get("profiles") or [])]
    assert demo == ["simulators"]
    assert SERVICES["migrate"]["restart"] == "no"  # runs once
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("worker", "scheduler", "dashboard"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    # `--scale worker=N` needs a worker with no fixed container name and no host port of its own
    assert not {"container_name", "ports"} & set(SERVICES["worker"])


@pytest.mark.parametrize("name", sorted(LIENTHONG_SERVICES))
def test_every_command_and_option_exists_in_the_cli(name):
    command = LIENTHONG_SERVICES[name]["command"]
    assert command[0] == "lienthong", f"{name}: {command}"
    reached, options = resolve(command[1:])
    assert not is_group(reached), f"{name}: `{' '.join(command)}` stops at a group"
    for option in options:
        assert _param(reached, option) is not None, f"{name}: {option} is not an option of `{' '.join(command[:3])}`"


@pytest.mark.parametrize("name", sorted(LIENTHONG_SERVICES))
def test_every_variable_is_a_setting_the_code_reads(name):
    for key in environment(LIENTHONG_SERVICES[name]):
        assert known_setting(key), f"{name}: {key} is not a lienthong setting"


def test_the_setting_check_itself_bites():
    assert known_setting("LIENTHONG_DATABASE_URL") and known_setting("LIENTHONG_VNEDU__BASE_URL")
    assert not known_setting("LIENTHONG_DATABSE_URL")  # a typo
    assert not known_setting("LIENTHONG_VNEDU__BSE_URL")
    assert not known_setting("DATABASE_URL")


def test_long_running_services_have_healthchecks_whose_commands_exist():
    for name, spec in SERVICES.items():
        if spec.get("restart") == "no":
            continue
        check = spec.get("healthcheck")
        assert check and check["test"], f"{name} has no healthcheck"
        if check["test"][:2] == ["CMD", "lienthong"]:
            reached, options = resolve(check["test"][2:])
            for option in options:
                assert _param(reached, option) is not None, f"{name}: healthcheck option {option}"


def test_no_secret_is_committed():
    secret = re.compile(r"(PASSWORD|SECRET|TOKEN|KEY)", re.I)
    for name, spec in SERVICES.items():
        for key, value in (spec.get("environment") or {}).items():
            assert not secret.search(key), f"{name}: {key} belongs in an env file, not in the compose file"
            assert not re.search(r"://[^/@:]+:[^@/]+@", str(value)), f"{name}: a password inside {key}"
        for env_file in spec.get("env_file") or []:
            path = ROOT / env_file
            assert path.parent.name == "deploy" and path.suffix == ".env"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "/deploy/*.env" in ignored


def test_the_image_is_pinned_runs_as_a_user_and_holds_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for base in re.findall(r"^FROM\s+(\S+)", dockerfile, re.M):
        image, _, tag = base.partition(":")
        assert re.fullmatch(r"\d+\.\d+\.\d+-slim-\w+", tag), f"unpinned base image {base}"
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    copied = set(re.findall(r"^COPY\s+(\w+)\s+\1$", dockerfile, re.M))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = {folder for folder in project["tool"]["setuptools"]["package-dir"].values()}
    assert copied == folders, f"the image misses {folders - copied} or copies {copied - folders}"
    for service in LIENTHONG_SERVICES.values():
        assert service["build"] == "." and service["image"] == "lienthong:local"
