"""``lienthong reconcile`` without typer: the command scripts and the daemon wait for, parsed by
hand when its command line is one of the plain forms below, so that click, typer and the app's
other commands are never loaded for it (issue 16). Anything else — an unknown or abbreviated
option, a value that looks like an option, ``--help``, another command — returns ``None`` and
goes to the typer app (`cli.app`), whose behaviour this must match: the same options
(``--config``, ``--db``, ``--as`` before the command; ``--format``, ``--class``, ``--out``,
``--summary``, ``--overwrite``, ``--full`` after it), the same checks of ``--format`` and the
same exit codes, through the same error boundary (`cli.errors.guarded`).
"""

from __future__ import annotations

import os
import sys
from typing import Callable

# The app's own options (`cli.app.where_data_lives`) → the environment variable each one sets.
GLOBAL_OPTIONS = {"--config": "LIENTHONG_CONFIG", "--db": "LIENTHONG_DATABASE_URL", "--as": "LIENTHONG_AS"}
VALUED = {"--format": "output_format", "--class": "class_code", "--out": "out", "--summary": "summary"}
FLAGS = {"--overwrite": "overwrite", "--full": "full"}
FORMATS = ("table", "json", "html", "xlsx", "pdf")


def _options(args: list[str], valued: dict[str, str], flags: dict[str, str]) -> dict[str, object] | None:
    """``--name value``, ``--name=value`` and flags, as click reads them (the last one given
    wins); ``None`` for anything this does not read exactly as click would."""
    found: dict[str, object] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, equals, value = arg.partition("=")
        if name in valued:
            if not equals:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            if not value or value.startswith("-"):
                return None  # click's reading of such a value is its own (an empty path…): leave it to click
            found[valued[name]] = value
        elif arg in flags:
            found[flags[arg]] = True
        else:
            return None
        i += 1
    return found


def _loaded_without_collector() -> Callable[..., int]:
    """`cli.reconcile_command.run_reconcile`, imported with the garbage collector paused, what it
    loaded then kept out of every later collection (`gc.freeze`): the modules live as long as the
    process, and each collection during the import walked all that was loaded so far again (a
    tenth of the import's time)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        from lienthong.cli.reconcile_command import run_reconcile
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return run_reconcile


def reconcile_call(args: list[str]) -> Callable[[], int] | None:
    """The ``reconcile`` command of ``args`` (``sys.argv[1:]``) as a call returning its exit code,
    or ``None`` when it is not a plain reconcile command line (the typer app handles it)."""
    if "reconcile" not in args:
        return None
    at = args.index("reconcile")
    before = _options(args[:at], {name: name for name in GLOBAL_OPTIONS}, {})
    after = _options(args[at + 1 :], VALUED, FLAGS)
    if before is None or after is None:
        return None

    def call() -> int:
        from pathlib import Path

        for option, value in before.items():
            if value:  # as the app's callback: an empty value sets nothing
                os.environ[GLOBAL_OPTIONS[option]] = str(Path(value)) if option == "--config" else str(value)
        output_format = str(after.get("output_format", "table"))
        out = Path(str(after["out"])) if after.get("out") else None
        summary = Path(str(after["summary"])) if after.get("summary") else None
        if output_format not in FORMATS:
            print("--format phải là table, json, html, xlsx hoặc pdf", file=sys.stderr)
            return 2
        if output_format in ("xlsx", "pdf") and out is None:
            print(f"--format {output_format} cần --out TỆP", file=sys.stderr)
            return 2
        run_reconcile = _loaded_without_collector()

        class_code = after.get("class_code")
        return run_reconcile(
            output_format,
            str(class_code) if class_code is not None else None,
            out,
            summary,
            overwrite=bool(after.get("overwrite")),
            full=bool(after.get("full")),
        )

    return call


# ``lienthong import``'s options that take a value (`cli.app.import_files`): the word after is not a file
IMPORT_VALUED = ("--kind", "--school-year", "--semester", "--class", "--subject", "--map")


def files_to_import(args: list[str]) -> int:
    """How many of the files named by ``lienthong import`` (``args``: ``sys.argv[1:]``) exist: its
    workers are started for them before the app is loaded (`sync.reader_processes.start_early`).
    Only a guess, made before click reads the line: 0 for anything that is not plainly an import;
    a wrong guess costs workers started for nothing, which stop as the command ends."""
    if "import" not in args:
        return 0
    at = args.index("import")
    if _options(args[:at], {name: name for name in GLOBAL_OPTIONS}, {}) is None:
        return 0
    files, after = 0, iter(args[at + 1 :])
    for arg in after:
        if arg == "--help":
            return 0
        if arg in IMPORT_VALUED:
            next(after, None)
        elif not arg.startswith("-") and os.path.isfile(arg):
            files += 1
    return files
