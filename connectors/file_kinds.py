"""Which export a workbook is, from its header and title rows (never from its file name).

Each platform's package declares its kinds (`FileKind`: how to detect, read and store one);
they are tried in rank order: the ministry's templates (a ``Mã lớp`` column), vnEdu's year
summary, vnEdu's score book (score columns and vnEdu's hidden ``ID`` column), and last any
other table with a name column and score columns — a teacher's gradebook.
"""

from __future__ import annotations

from functools import cache

from lienthong.connectors.csdl import excel as csdl_files
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import FileKind, open_workbook, rows_of
from lienthong.connectors.gradebook import excel as gradebook_files
from lienthong.connectors.vnedu import excel as vnedu_files
from lienthong.mapping import catalogs
from lienthong.mapping.errors import LegacyEncodingError
from lienthong.mapping.headers import SCORE_WORDS, header_key
from lienthong.mapping.legacy_encoding import detect_legacy_encoding

# Every kind declared by the platforms' packages, in the order they are tried.
FILE_KINDS: dict[str, FileKind] = {
    k.name: k
    for k in sorted(
        (*vnedu_files.FILE_KINDS, *csdl_files.FILE_KINDS, *gradebook_files.FILE_KINDS), key=lambda k: k.rank
    )
}
KINDS = tuple(FILE_KINDS)
WORDS = {name: kind.words for name, kind in FILE_KINDS.items()}


def _legacy_reason(found: list[tuple[str, str]]) -> str:
    """Why a file typed in a legacy encoding is refused, with how one of its headers reads. Only a
    header's reading is shown: the first such cell may be a child's name (a school's real upload,
    github:NguyenVanDuc1997/hoso-hocsinh ``storage/excel/1576565858_199_130_import_profile.xlsx``,
    was refused as «có thể là «<the child's name>»»), and a name is never repeated in a message."""
    header = next(((encoding, reading) for encoding, reading in found if _a_header(reading)), None)
    if header is not None:
        return LegacyEncodingError(header[0], "", header[1]).reason
    return LegacyEncodingError(found[0][0], "", found[0][1], field="ho_ten").reason  # read as a name: not shown


def _a_header(reading: str) -> bool:
    key = header_key(reading)
    return bool(SCORE_WORDS.match(key)) or key in _header_keys() or gradebook_files.known_header(reading)


@cache
def _header_keys() -> frozenset[str]:
    return frozenset(header_key(word.header) for word in catalogs.header_words())


class UnknownKind(FileFormatError):
    """A safe, readable workbook in which no known table was recognised."""


def kind_of_rows(rows: list[tuple]) -> str | None:
    return next((name for name, kind in FILE_KINDS.items() if kind.detect(rows)), None)


def detect_kind(data: bytes) -> str:
    """The kind of the first sheet that has a recognisable table; a clear error when none has."""
    book = open_workbook(data, "excel")
    legacy: list[tuple[str, str]] = []
    for sheet in book.worksheets:
        rows = rows_of(sheet, 14)
        kind = kind_of_rows(rows)
        if kind:
            return kind
        legacy += [found for row in rows for v in row if isinstance(v, str) if (found := detect_legacy_encoding(v))]
    if legacy:
        raise FileFormatError("excel", _legacy_reason(legacy) + ".")
    raise UnknownKind(
        "excel",
        "Không nhận ra loại tệp: không có trang nào có dòng tiêu đề của sổ điểm, bảng tổng hợp "
        "hay thống kê nề nếp của vnEdu, danh sách học sinh hay kết quả học tập CSDL trong 12 dòng đầu. Hãy chọn "
        f"loại bằng --kind ({', '.join(KINDS)}).",
    )
