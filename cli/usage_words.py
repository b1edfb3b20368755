"""The command line's own mistakes (an unknown option or command, a value of the wrong kind, a
missing or extra argument) said in Vietnamese, by what to write.

The parser (typer's own copy of click) words them in English and offers no translation catalogue:
its messages are built in place. They are therefore said again here from what the exception
carries (the option's name, the parameter, the close matches) and, where it carries only its
English sentence, from that sentence's known forms (`_SENTENCES`). A sentence of no known form
is kept after «Lệnh gõ chưa đúng:», never dropped: tests/cli/test_usage_words.py lists the
mistakes people make and fails if the parser's wording moves away from these forms.
"""

from __future__ import annotations

import re
from typing import Any

# What the parser says when a value cannot be read as the option's type (typer checks values by
# pydantic's rules: «Input should be a valid integer, …»), as what the value must be.
_KINDS = (
    ("valid integer", "một số nguyên, ví dụ 20"),
    ("valid number", "một số, ví dụ 7.5"),
    ("valid boolean", "có hoặc không (true/false)"),
    ("valid datetime", "một thời điểm dạng 2026-05-31T08:00"),  # before «valid date», which it holds
    ("valid date", "một ngày dạng 2026-05-31"),
)

# English sentences of the parser that carry what matters only in their text.
_SENTENCES = (
    (re.compile(r"No such command '(?P<name>.*)'\.?$"), "Không có lệnh «{name}»"),
    (
        re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)$"),
        "Thừa tham số: {args} (lệnh này không nhận thêm)",
    ),
    (re.compile(r"Missing command\.?$"), "Thiếu tên lệnh"),
    (re.compile(r"Option '(?P<name>.*)' requires an argument\.?$"), "Tùy chọn {name} cần một giá trị ngay sau nó"),
    (
        re.compile(r"Option '(?P<name>.*)' requires (?P<n>\d+) arguments\.?$"),
        "Tùy chọn {name} cần {n} giá trị ngay sau nó",
    ),
    (
        re.compile(r"Option '(?P<name>.*)' does not take a value\.?$"),
        "Tùy chọn {name} không nhận giá trị: chỉ ghi {name}",
    ),
    (re.compile(r"Argument '(?P<name>.*)' takes (?P<n>\d+) values\.?$"), "Tham số {name} cần {n} giá trị"),
)


def label(param: Any) -> str:
    """A parameter as the help names it: an option by its flag, an argument by its metavar (``TỆP``),
    else by its Python name in quotes."""
    if getattr(param, "param_type_name", "") == "option":
        return param.opts[0]
    if getattr(param, "metavar", None):
        return param.metavar.rstrip(".… ")
    return f"«{param.name}»"


def missing(param: Any) -> str:
    """A required argument or option left out, said by what to write (click says it in English,
    by the parameter's Python name): the name the help shows (an option's flag, an argument's
    metavar), then the parameter's own help, as in «Thiếu TỆP: hãy ghi một hay nhiều tệp Excel…»."""
    if getattr(param, "param_type_name", "") == "option" or param.metavar:
        named = f" {label(param)}"
    else:  # an argument known only by its Python name: its help says what it is
        named = " tham số" if param.help else f" tham số {label(param)}"
    text = (param.help or "").strip().rstrip(".")
    if text[:1].isupper() and not text[1:2].isupper():  # «Mã trường…» → «mã trường…», «CSDL…» stays
        text = text[0].lower() + text[1:]
    return f"Thiếu{named}: hãy ghi {text}" if text else f"Thiếu{named}"


def said(exc: BaseException) -> str:
    """A usage mistake (click's ``UsageError`` or a subclass) as one Vietnamese sentence, without
    the final full stop and the help hint."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    param = getattr(exc, "param", None)
    if "MissingParameter" in names and param is not None:
        return missing(param)
    if "NoSuchOption" in names:
        close = getattr(exc, "possibilities", None)
        guess = f" (có phải ý bạn là {' hoặc '.join(close)}?)" if close else ""
        return f"Không có tùy chọn {exc.option_name}{guess}"
    message = str(getattr(exc, "message", "") or "").strip()
    if "BadParameter" in names and param is not None:
        return _bad_value(param, message)
    for pattern, words in _SENTENCES:
        if found := pattern.match(message):
            return words.format(**found.groupdict())
    return f"Lệnh gõ chưa đúng: {exc.format_message().rstrip('.')}"


def _bad_value(param: Any, message: str) -> str:
    for english, wanted in _KINDS:
        if english in message:
            return f"Giá trị của {label(param)} phải là {wanted}"
    return f"Giá trị của {label(param)} không dùng được ({message.rstrip('.')})"


def command_path(args: list[str]) -> str | None:
    """The command a command line names (``lienthong db upgrade``), for a mistake the parser raised
    without it (an option missing its value): the longest run of leading words that is a command."""
    from lienthong.cli.help_text import HELP

    words = ["lienthong"]
    for arg in args:
        if arg.startswith("-") or " ".join([*words, arg]) not in HELP:
            break
        words.append(arg)
    return " ".join(words) if " ".join(words) in HELP else None
