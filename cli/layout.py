"""How the help of ``lienthong`` and its command groups is laid out: click's plain layout (rich
costs more to load than the rest of the help), with each command's whole first sentence, as the
rich layout showed it, wrapped instead of cut at the terminal's width — and in Vietnamese, the
framework's words included: typer's copy of click writes «Usage:», «Options:», «Show this message
and exit.», «[default: …]» in English and has no translation catalogue, but every help passes
through one formatter, which says them in Vietnamese (`VietnameseHelp`)."""

from __future__ import annotations

import re

import typer
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup

WHOLE = 10_000  # no command summary is cut: the first sentence (or paragraph) is kept whole

SECTIONS = {"Options": "Tùy chọn", "Arguments": "Tham số", "Commands": "Lệnh"}
# the kinds typer shows beside an option or argument (``--students <int>``)
KINDS = {
    "<str>": "<chuỗi>",
    "<int>": "<số nguyên>",
    "<float>": "<số>",
    "<path>": "<đường dẫn>",
    "<list[str]>": "<chuỗi>…",
    "<list[Path]>": "<đường dẫn>…",
}
_KIND = re.compile("|".join(re.escape(kind) for kind in KINDS))
# what typer adds in brackets after a parameter's help: «[env var: X; default: 20; required]»
EXTRAS = {"env var": "biến môi trường", "default": "mặc định", "required": "bắt buộc"}
_EXTRA = re.compile(r"\s*\[((?:env var|default|required)[^\]]*)\]$")
USAGE = {"[OPTIONS]": "[TÙY CHỌN]", "COMMAND [ARGS]...": "LỆNH [THAM SỐ]..."}
HELP_OPTION = {"Show this message and exit.": "Hiện hướng dẫn này rồi thoát."}


def _extra(piece: str) -> str:
    name, colon, value = piece.partition(":")
    return f"{EXTRAS.get(name.strip(), name.strip())}{colon}{value}"


def _help_said(text: str) -> str:
    """A parameter's help with what typer adds to it said in Vietnamese."""
    text = HELP_OPTION.get(text, text)
    found = _EXTRA.search(text)
    if found is None:
        return text
    said = "; ".join(_extra(piece) for piece in found[1].split(";"))
    return f"{text[: found.start()]}  [{said}]" if found.start() else f"[{said}]"


class VietnameseHelp(HelpFormatter):
    """click's plain help layout, its own words said in Vietnamese (the text is wrapped after)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, vietnamese in USAGE.items():
            args = args.replace(english, vietnamese)
        super().write_usage(prog, args, "Cách dùng: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(SECTIONS.get(heading, heading))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        said = [(_KIND.sub(lambda m: KINDS[m[0]], term), _help_said(text)) for term, text in rows]
        super().write_dl(said, col_max, col_spacing)


class VietnameseContext(Context):
    formatter_class = VietnameseHelp


class Commands(TyperGroup):
    """A group whose help, and its commands' help, is laid out by `VietnameseHelp`."""

    context_class = VietnameseContext

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None and command.context_class is Context:  # typer's commands: plain click's
            command.context_class = VietnameseContext
        return command

    def format_commands(self, ctx, formatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(WHOLE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_group(help_text: str, **options) -> typer.Typer:
    """A group of commands (``lienthong hocba …``) laid out as the others: plain help, Vietnamese
    text as written; without a subcommand it shows its help unless ``options`` say otherwise."""
    options.setdefault("no_args_is_help", True)
    return typer.Typer(help=help_text, cls=Commands, rich_markup_mode=None, **options)
