"""``lienthong serve``: the dashboard (FastAPI under uvicorn) over the configured store.

Light at import (the ``lienthong`` entry point imports this module): uvicorn loads only when the
command runs. The CLI and the dashboard are sibling layers (``.importlinter``: neither imports the
other), so uvicorn is handed the dashboard's factory by name, `APP_FACTORY` — the same entry a
deployment gives ``uvicorn --factory`` — and the app reads the configuration as every command does.
"""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Địa chỉ lắng nghe (mặc định chỉ trên máy này)."),
    port: int = typer.Option(8100, help="Cổng của bảng điều khiển."),
) -> None:
    """Chạy bảng điều khiển (trang web cho GVCN, Hiệu trưởng, CNTT và API JSON) cho đến khi Ctrl-C."""
    raise typer.Exit(run_server(host, port))


APP_FACTORY = "lienthong.dashboard.app:from_environment"


def run_server(host: str, port: int) -> int:
    from rich.console import Console

    from lienthong.config.settings import Settings
    from lienthong.sync.service import open_store

    console = Console(markup=False, highlight=False, soft_wrap=True)
    open_store(Settings()).dispose()  # a missing or damaged store is said here, before the server starts
    server = build_server(host, port)
    console.print(f"Bảng điều khiển: http://{host}:{port}/ (Ctrl-C để dừng)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(
            "Lưu ý: mật khẩu và phiên đăng nhập đi qua mạng không mã hoá; hãy đặt bảng điều khiển sau "
            "một máy chủ HTTPS (chuyển tiếp X-Forwarded-Proto) trước khi cho giáo viên dùng.",
            style="yellow",
        )
    server.run()
    return 0


def build_server(host: str, port: int, log_level: str = "warning"):
    """A uvicorn server of the dashboard over the configured store (``LIENTHONG_*``, ``--db``,
    ``--config``); the caller runs it, here or in a thread. Behind a TLS proxy on this machine,
    cookies are marked Secure from ``X-Forwarded-Proto``."""
    import uvicorn

    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
        access_log=False,  # paths name discrepancies and classes: not for a plain log
    )
    return uvicorn.Server(config)


def start_in_background(host: str, port: int, wait_s: float = 30.0):
    """The dashboard served from a thread of this process (``lienthong demo``), on ``port`` or, when
    it is taken, any free port; returns the server (``should_exit`` stops it), its thread and address."""
    import socket
    import threading
    import time

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:  # taken (another demo?): any free port will do
        sock.bind((host, 0))
    sock.listen(128)
    bound = sock.getsockname()[1]
    server = build_server(host, bound)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + wait_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("dashboard did not start")
        time.sleep(0.05)
    return server, thread, f"http://{host}:{bound}/"


def stop_background(server, thread) -> None:
    server.should_exit = True
    thread.join(timeout=10)
