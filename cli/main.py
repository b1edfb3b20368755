"""Entry point of the ``lienthong`` command: starts the typer app of `cli.app`.

``--help`` is what a person types first, and typer with click and pydantic costs several times a
bare Python start: every ``lienthong … --help`` is therefore printed from `cli.help_text` — the
app's own help, rendered in advance and checked against it by tests/cli/test_startup.py —
without loading them. ``lienthong reconcile`` with plain options is parsed by `cli.fast`, without
them too. ``lienthong import`` starts its file readers first of all (`cli.fast.files_to_import`).
Anything else (another command, an option before ``--help``, a narrow terminal,
``python -m``) goes to the app.
"""

from __future__ import annotations

import os
import sys

# click lays out help at most this many columns wide: from this width on, the text is the same.
HELP_COLUMNS = 80


def _columns() -> int:
    """The terminal's width as click measures it (`shutil.get_terminal_size`, without loading shutil)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or HELP_COLUMNS
    except (AttributeError, ValueError, OSError):
        return HELP_COLUMNS


def _help_asked() -> str | None:
    """The help to print for ``lienthong [COMMAND…] --help``, if it is known in advance: under the
    program's own name (``python -m`` names itself differently), with nothing but command names
    before ``--help``, on a terminal at least as wide as click's help."""
    args = sys.argv[1:]
    if not args or args[-1] != "--help" or any(arg.startswith("-") for arg in args[:-1]):
        return None
    if os.path.basename(sys.argv[0]) != "lienthong" or _columns() < HELP_COLUMNS:
        return None
    from lienthong.cli.help_text import HELP

    return HELP.get(" ".join(["lienthong", *args[:-1]]))


def main() -> None:
    if (shown := _help_asked()) is not None:
        try:
            sys.stdout.write(shown)
            sys.stdout.flush()
        except UnicodeEncodeError:  # a terminal that cannot show Vietnamese: the app says so its own way
            pass
        except BrokenPipeError:  # ``lienthong --help | head -1``: the reader wanted no more
            from lienthong.cli.errors import output_closed

            sys.exit(output_closed())
        else:
            sys.exit(0)
    from lienthong.cli.fast import files_to_import, reconcile_call

    if files := files_to_import(sys.argv[1:]):
        # its workers start loading the readers now, while the app loads (`sync.reader_processes`)
        from lienthong.sync import reader_processes

        reader_processes.start_early(reader_processes.reader_count(files))
    from lienthong.cli.errors import guarded

    call = reconcile_call(sys.argv[1:])
    if call is not None:
        guarded(lambda standalone_mode: call())
    from lienthong.cli.app import app

    guarded(app)


def __getattr__(name: str):
    """``from lienthong.cli.main import app`` (and the app's other names), as before the split."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from lienthong.cli import app as commands

    try:
        return getattr(commands, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


if __name__ == "__main__":
    main()
