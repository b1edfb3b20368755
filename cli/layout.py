"""How the help of ``lienthong`` and its command groups is laid out: click's plain layout (rich
costs more to load than the rest of the help), with each command's whole first sentence, as the
rich layout showed it, wrapped instead of cut at the terminal's width."""

from __future__ import annotations

from gettext import gettext as _

import typer
from typer.core import TyperGroup

WHOLE = 10_000  # no command summary is cut: the first sentence (or paragraph) is kept whole


class Commands(TyperGroup):
    def format_commands(self, ctx, formatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(WHOLE)))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)


def command_group(help_text: str, **options) -> typer.Typer:
    """A group of commands (``lienthong hocba …``) laid out as the others: plain help, Vietnamese
    text as written; without a subcommand it shows its help unless ``options`` say otherwise."""
    options.setdefault("no_args_is_help", True)
    return typer.Typer(help=help_text, cls=Commands, rich_markup_mode=None, **options)
