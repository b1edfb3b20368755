"""New versions of a học bạ: a signed year is frozen (hocba-xml.md, Rules).

A correction of a signed year, approved by the principal, makes a new document: its version
number one higher, the SHA-256 of the version it replaces, the corrected year written again
with every change recorded (``DieuChinh``: what, old value, new value, why, who approved, when)
and waiting for its GVCN's signature, the other years kept byte for byte with their
signatures, and the principal's signature to be made again. A new school year is added the
same way, without approval. The signed file itself is never edited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from lxml import etree

from lienthong.records import hocba_xml
from lienthong.records.transcript import Correction, Transcript, TranscriptYear
from lienthong.store.accounts import Actor

APPROVERS = ("principal",)


class CorrectionRefused(ValueError):
    """A new version that may not be made (no change, no approval, the wrong student)."""


class NothingChanged(CorrectionRefused):
    """The data are what the document already says: no new version."""


@dataclass
class NewVersion:
    data: bytes
    version: int
    corrections: list[tuple[str, Correction]]  # (school year, change)
    added: list[str]  # school years added
    kept_signed: list[str]  # school years kept with their GVCN's signature


def _signed(block: etree._Element) -> bool:
    return block.find(f"{{{hocba_xml.DS}}}Signature") is not None


def new_version(
    old: bytes,
    years: list[TranscriptYear],
    made_at: datetime,
    reason: str = "",
    approver: Actor | None = None,
    day: date | None = None,
) -> NewVersion:
    """The next version of ``old`` (a document as read from its file) with ``years`` as they are now.

    A year that differs from a signed one needs ``approver`` (the principal) and ``reason``; a
    year not in ``old`` is added; an unchanged year is kept as it was, signature included.
    """
    root = hocba_xml.parse(old)
    before = hocba_xml.transcript_of(root)
    blocks = hocba_xml.year_blocks(root)
    out_years: dict[str, TranscriptYear] = {y.school_year: y for y in before.years}
    rewritten: set[str] = set()
    changes: list[tuple[str, Correction]] = []
    added: list[str] = []
    for year in years:
        previous = out_years.get(year.school_year)
        if previous is None:
            out_years[year.school_year] = year
            added.append(year.school_year)
            continue
        diff = _differences(previous, year)
        if not diff:
            continue
        rewritten.add(year.school_year)
        if not _signed(blocks[year.school_year]):  # a draft year: written again, nothing to record
            out_years[year.school_year] = replace(year, corrections=previous.corrections)
            continue
        _check_approval(year.school_year, approver, reason)
        who = f"{approver.full_name} ({approver.login})" if approver else ""
        fixes = tuple(Correction(what, was, now, reason.strip(), who, day or made_at.date()) for what, was, now in diff)
        changes += [(year.school_year, fix) for fix in fixes]
        out_years[year.school_year] = replace(year, corrections=previous.corrections + fixes)
    if not rewritten and not added:
        raise NothingChanged("Không có gì thay đổi so với học bạ đã có: không lập phiên bản mới.")
    kept = {y: block for y, block in blocks.items() if y not in rewritten and _signed(block)}
    transcript = Transcript(before.pupil, tuple(out_years.values()), before.version + 1, hocba_xml.digest(old))
    data = hocba_xml.to_bytes(hocba_xml.document(transcript, made_at, kept))
    return NewVersion(data, transcript.version, changes, added, sorted(kept))


def _check_approval(school_year: str, approver: Actor | None, reason: str) -> None:
    if approver is None or approver.role not in APPROVERS:
        raise CorrectionRefused(
            f"Năm học {school_year} đã ký: sửa cần Hiệu trưởng duyệt (`lienthong --as HIỆU_TRƯỞNG "
            "hocba correct …`), Quy chế Suối Ngô Điều 9."
        )
    if not reason.strip():
        raise CorrectionRefused("Sửa học bạ đã ký cần lý do (--reason).")


def _differences(old: TranscriptYear, new: TranscriptYear) -> list[tuple[str, str, str]]:
    """(what, old value, new value) for every value that differs."""
    before, after = old.values(), new.values()
    return [
        (name, before.get(name, ""), after.get(name, ""))
        for name in sorted(set(before) | set(after))
        if before.get(name, "") != after.get(name, "")
    ]
