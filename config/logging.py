"""Structured logs (structlog) that never carry secrets or students' personal data.

Logs carry run, school and platform ids; a processor drops known secret and personal
fields by name and masks anything that looks like a token or a 10/12-digit ID in text.
"""

from __future__ import annotations

import logging
import re
import sys

import structlog

SECRET_KEYS = {
    "password",
    "matkhau",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "authorization",
    "api_key",
    "x-api-key",
}
PERSONAL_KEYS = {
    "ho_ten",
    "hoten",
    "full_name",
    "name",
    "ngay_sinh",
    "ngaysinh",
    "birth_date",
    "so_dinh_danh_ca_nhan",
    "sodinhdanhcanhan",
    "personal_id",
    "ma_dinh_danh_bo",
    "madinhdanh",
    "ministry_id",
    "ma_hoc_sinh",
    "student",
}
_IDS = re.compile(r"\b\d{10}(\d{2})?\b")
_BEARER = re.compile(r"(?i)(bearer\s+)[\w\-.~+/]+=*")


def redact_value(text: str) -> str:
    return _BEARER.sub(r"\1***", _IDS.sub("<id>", text))


def _clean(key: str, value):
    """A value with secrets and personal fields masked, at any depth (dicts, lists, tuples)."""
    if key.lower() in SECRET_KEYS or key.lower() in PERSONAL_KEYS:
        return "***"
    if isinstance(value, str):
        return redact_value(value)
    if isinstance(value, dict):
        return {k: _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_clean(key, v) for v in value]
    return value


def redact(_logger, _method, event: dict) -> dict:
    """structlog processor: remove secrets and personal data before anything is written."""
    for key in list(event):
        event[key] = _clean(key, event[key])
    return event


class RedactingFilter(logging.Filter):
    """The same masking for the standard library's loggers (uvicorn, APScheduler, SQLAlchemy…)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_value(record.getMessage())
        record.args = ()
        return True


def configure(level: str = "INFO") -> None:
    """JSON logs on stderr; chatty libraries that could log message bodies are kept quiet."""
    logging.basicConfig(level=level, format="%(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    for noisy in ("zeep", "httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)  # zeep logs whole envelopes at DEBUG
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def get_logger(**context):
    return structlog.get_logger().bind(**context)
