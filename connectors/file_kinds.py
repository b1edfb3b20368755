"""Which export a workbook is, from its header and title rows (never from its file name).

``csdl-hocsinh`` and ``csdl-ketqua`` are the ministry's templates (a ``Mã lớp`` column);
``vnedu-tonghop`` is vnEdu's year summary (``Tổng số buổi nghỉ``, no ``Mã lớp``);
``vnedu-sodiem`` is vnEdu's score book (score columns and vnEdu's hidden ``ID`` column);
any other table with a name column and score columns is a teacher's ``gradebook``.
"""

from __future__ import annotations

from lienthong.connectors.csdl.excel import RESULT_COLUMNS, STUDENT_COLUMNS, STUDENT_REQUIRED
from lienthong.connectors.errors import FileFormatError
from lienthong.connectors.excel import find_header, open_workbook, rows_of
from lienthong.connectors.gradebook.excel import detect_columns
from lienthong.connectors.vnedu.excel import SUMMARY_COLUMNS, SUMMARY_REQUIRED
from lienthong.mapping.errors import LegacyEncodingError
from lienthong.mapping.legacy_encoding import detect_legacy_encoding

KINDS = ("vnedu-sodiem", "vnedu-tonghop", "csdl-hocsinh", "csdl-ketqua", "gradebook")
WORDS = {"vnedu-sodiem": "sổ điểm môn học xuất từ vnEdu", "vnedu-tonghop": "bảng tổng hợp kết quả cuối năm của vnEdu",
         "csdl-hocsinh": "danh sách học sinh của CSDL ngành", "csdl-ketqua": "kết quả học tập của CSDL ngành",
         "gradebook": "sổ điểm cá nhân của giáo viên"}
_RESULT_DETECT = ("ma_lop", "ma_dinh_danh", "kq_hoc_tap", "kq_ren_luyen")


class UnknownKind(FileFormatError):
    """A safe, readable workbook in which no known table was recognised."""


def kind_of_rows(rows: list[tuple]) -> str | None:
    if find_header(rows, STUDENT_COLUMNS, STUDENT_REQUIRED):
        return "csdl-hocsinh"
    if find_header(rows, SUMMARY_COLUMNS, SUMMARY_REQUIRED):
        return "vnedu-tonghop"
    if find_header(rows, RESULT_COLUMNS, _RESULT_DETECT):
        return "csdl-ketqua"
    located = detect_columns(rows)
    if located:
        return "vnedu-sodiem" if located[1].row_id is not None and located[1].code is not None else "gradebook"
    return None


def detect_kind(data: bytes) -> str:
    """The kind of the first sheet that has a recognisable table; a clear error when none has."""
    book = open_workbook(data, "excel")
    legacy = None
    for sheet in book.worksheets:
        rows = rows_of(sheet, 14)
        kind = kind_of_rows(rows)
        if kind:
            return kind
        legacy = legacy or next((found for row in rows for v in row if isinstance(v, str)
                                 if (found := detect_legacy_encoding(v))), None)
    if legacy:
        raise FileFormatError("excel", LegacyEncodingError(legacy[0], "", legacy[1]).reason + ".")
    raise UnknownKind("excel", "Không nhận ra loại tệp: không có trang nào có dòng tiêu đề của sổ điểm, bảng tổng "
                                   "hợp vnEdu, danh sách học sinh hay kết quả học tập CSDL trong 12 dòng đầu. Hãy chọn "
                                   f"loại bằng --kind ({', '.join(KINDS)}).")
