"""The ``[records]`` section: học bạ signing keys, trusted CAs, the archive disk, retention.

Key passwords never live here: ``LIENTHONG_KEY_PASSWORD_<LOGIN>`` (the login in capitals, other
characters as ``_``) or ``LIENTHONG_KEY_PASSWORD`` for the person signing at this keyboard.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

MIN_RETENTION_YEARS = 5  # Bình An regulation, art. 8.2: at least 5 years after the student leaves


class RecordsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_name: str = ""
    """The school's name as the transcript prints it (``Trường THCS Bình An``)."""
    department_name: str = "Sở Giáo dục và Đào tạo"
    """The Sở the school reports to, as the letterhead prints it (``Sở GD&ĐT Thành phố Hồ Chí Minh``)."""
    place: str = ""
    """The place on the date line of printed books (``Bình An, ngày … tháng … năm …``)."""
    signing_keys: dict[str, Path] = {}
    """Account login → its PKCS#12 file (key and certificate) for signing transcripts."""
    trusted_ca: list[Path] = []
    """CA certificates (PEM) a signer's certificate must be issued by; empty: not checked (said so)."""
    archive_dir: Path | None = None
    """Where `lienthong backup` writes by default: the removable archive disk (Suối Ngô art. 10)."""
    retention_years: int = Field(default=MIN_RETENTION_YEARS, ge=MIN_RETENTION_YEARS)
    """Years a student's records are kept after leaving or graduating; never less than 5."""
