"""Distributed mode's commands: ``lienthong worker``, ``scheduler``, ``enqueue …``, ``schools add|list``.

They need ``[engine] mode = "distributed"`` and a PostgreSQL ``database_url``; heavy imports stay
inside the commands (the ``lienthong`` entry point imports this module)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from lienthong.cli import exits
from lienthong.cli.layout import command_group

if TYPE_CHECKING:
    from lienthong.config.settings import Settings

schools_app = command_group(
    "Các trường của một hệ thống dùng chung (chế độ phân tán): đăng ký, xem song song.", no_args_is_help=True
)
PLATFORM_TITLES = {"vnedu": "vnEdu", "csdl": "CSDL", "portal": "Cổng"}


def _say(text: str, error: bool = False) -> None:
    typer.echo(text, err=error)


def distributed_settings() -> Settings:
    """The settings, refused (exit 2) unless the installation runs in distributed mode."""
    from lienthong.config.settings import Settings, SettingsError

    try:
        settings = Settings()
    except SettingsError as exc:
        _say(str(exc), error=True)
        raise typer.Exit(exits.BAD_INPUT) from None
    if settings.engine.mode != "distributed":
        _say(
            'Lệnh này dùng cho chế độ phân tán: đặt [engine] mode = "distributed" (và database_url PostgreSQL) '
            "trong cấu hình; một trường dùng `lienthong run`.",
            error=True,
        )
        raise typer.Exit(exits.BAD_INPUT)
    return settings


def _open(settings: Settings):
    from lienthong.sync.service import open_store

    return open_store(settings)


def check(settings: Settings) -> int:
    """``--check``: whether a worker could work here (the compose file's healthcheck)."""
    from lienthong.sync.distributed.app import health

    problem = health(settings)
    if problem:
        _say(problem, error=True)
        return exits.UNREACHABLE
    _say("Sẵn sàng: cơ sở dữ liệu và hàng đợi việc trả lời.")
    return exits.OK


def worker(concurrency: int | None, check_only: bool = False) -> int:
    from lienthong.config.settings import SettingsError
    from lienthong.sync.distributed.app import run_worker

    settings = distributed_settings()
    if check_only:
        return check(settings)
    if concurrency is not None and concurrency < 1:
        _say("--concurrency phải từ 1 trở lên", error=True)
        return exits.BAD_INPUT
    try:
        _open(settings).dispose()  # the schema (with the task queue's) is current before any job
        return run_worker(settings, concurrency)
    except SettingsError as exc:
        _say(str(exc), error=True)
        return exits.BAD_INPUT


def scheduler(check_only: bool = False) -> int:
    from lienthong.config.settings import SettingsError
    from lienthong.sync.distributed.app import run_worker

    settings = distributed_settings()
    if check_only:
        return check(settings)
    try:
        _open(settings).dispose()
        return run_worker(settings, scheduler=True)
    except SettingsError as exc:
        _say(str(exc), error=True)
        return exits.BAD_INPUT


def enqueue(what: str, school: str | None, platform: str | None, full: bool) -> int:
    from lienthong.config.settings import SettingsError
    from lienthong.sync.distributed.app import build_app, defer, job_for
    from lienthong.sync.distributed.schools import RegistryError, registered

    settings = distributed_settings()
    try:
        task, kwargs, key = job_for(what, school, platform, full)
        engine = _open(settings)
        if school:
            row = registered(engine, school)
            if platform and platform not in (row.platforms or {}):
                raise RegistryError(
                    f"Trường {school} không dùng {platform} (có: {', '.join(sorted(row.platforms or {})) or 'không'})"
                )
        app = build_app(settings)
        with app.open():
            job = defer(app, task, kwargs, key)
    except (SettingsError, RegistryError) as exc:
        _say(str(exc), error=True)
        return exits.BAD_INPUT
    if job is None:
        _say(f"Việc {key} đang chờ trong hàng đợi: không thêm lần nữa.")
        return exits.OK
    _say(f"Đã thêm việc #{job} ({what} {key}).")
    return exits.OK


def add_school(
    ma_truong: str,
    name: str,
    tinh: str,
    xa: str,
    vnedu_url: str | None,
    vnedu_client: str | None,
    csdl_endpoint: str | None,
    csdl_user: str | None,
    portal_url: str | None,
    options: list[str],
) -> int:
    from lienthong.sync.distributed.schools import RegistryError, missing_secrets
    from lienthong.sync.distributed.schools import add_school as register
    from lienthong.sync.service import now

    settings = distributed_settings()
    platforms: dict[str, dict] = {}
    if vnedu_url or vnedu_client:
        platforms["vnedu"] = {"base_url": vnedu_url, "client_id": vnedu_client}
    if csdl_endpoint or csdl_user:
        platforms["csdl"] = {"endpoint": csdl_endpoint, "username": csdl_user}
    if portal_url:
        platforms["portal"] = {"base_url": portal_url, "ma_tinh": tinh, "ma_xa": xa}
    try:
        for option in options:
            field, sep, value = option.partition("=")
            platform, dot, key = field.partition(".")
            if not (sep and dot and key) or platform not in platforms:
                raise RegistryError(f"--set «{option}»: dạng đúng HỆ_THỐNG.KHOÁ=GIÁ_TRỊ của một hệ thống đã khai báo")
            platforms[platform][key] = value
        row = register(
            _open(settings),
            ma_truong,
            name,
            tinh,
            xa,
            {p: {k: v for k, v in f.items() if v is not None} for p, f in platforms.items()},
            now(),
        )
    except RegistryError as exc:
        _say(str(exc), error=True)
        return exits.BAD_INPUT
    _say(f"Đã đăng ký trường {row.ma_truong} ({row.name}): {', '.join(sorted(row.platforms))}.")
    for variable in missing_secrets(settings, row):
        _say(f"Chưa có thông tin đăng nhập: đặt biến môi trường {variable} (hoặc trong secrets_file).")
    return exits.OK


def list_schools(output_format: str, sort: str, reverse: bool = False) -> int:
    """The schools side by side (`sync.schools_overview`): those the signed-in account oversees
    (``--as`` or `lienthong login`: a Sở officer's schools, IT every school, others refused); with
    no account given, the installation's console reads every school."""
    from lienthong.mapping.calendar import shown_time
    from lienthong.store.access import Forbidden
    from lienthong.store.accounts import AccountError
    from lienthong.sync.schools_overview import UnknownSort, summaries
    from lienthong.sync.service import now

    settings = distributed_settings()
    if output_format not in ("table", "json"):
        _say("--format là table hoặc json", error=True)
        return exits.BAD_INPUT
    engine = _open(settings)
    try:
        actor = _console_actor(engine)
        found = summaries(engine, settings, now(), actor, sort, reverse)
    except UnknownSort as exc:
        _say(str(exc), error=True)
        return exits.BAD_INPUT
    except (AccountError, Forbidden) as exc:
        _say(str(exc), error=True)
        return exits.REFUSED
    if output_format == "json":
        for item in found:
            typer.echo(json.dumps(item.as_json(), ensure_ascii=False))
        return exits.OK
    if not found:
        _say("Chưa có trường nào: lienthong schools add …")
        return exits.OK
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "Mã trường",
        "Tên trường",
        "Đủ điểm",
        "Khác biệt",
        "Đồng bộ tốt gần nhất",
        "Chờ gửi",
        "Bị từ chối",
        "Nộp đúng hạn",
    )
    for s in found:
        last = "; ".join(
            f"{PLATFORM_TITLES.get(p, p)} {shown_time(at) if at else 'chưa'}"
            for p, at in sorted(s.last_success.items())
        )
        table.add_row(
            s.ma_truong,
            s.name,
            f"{s.completeness}%" if s.completeness is not None else "—",
            str(s.discrepancies),
            last or "—",
            str(s.waiting),
            str(s.dead),
            f"{s.on_time}%" if s.on_time is not None else "—",
        )
    Console(markup=False, highlight=False, soft_wrap=True).print(table)
    return exits.OK


def _console_actor(engine):
    """The account given (``--as``, or the session `lienthong login` opened), else ``None``."""
    import os

    from sqlmodel import Session

    from lienthong.cli.identity import AS_ENV, current_actor, session_file

    if not os.environ.get(AS_ENV) and not session_file().is_file():
        return None
    with Session(engine) as session:
        return current_actor(session)
