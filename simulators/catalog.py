"""The codes and words the simulated platforms speak, written out from the contracts.

The simulators keep their own copy of every catalog instead of importing the project's
mapping catalogs: a fake that read the project's tables would agree with a wrong table.
Sources: subjects — the THCS subjects of Circular 22 (``domain.md``) under the codes the
project documents (README, "Mã môn theo danh mục"); ethnicities — the ministry's list of 54
(``domain.md`` gives the first ten); statuses and genders — ``contracts/csdl.md`` (HocSinh) and
``contracts/vnedu.md`` (Student); result words — ``contracts/csdl.md`` §2 and
``contracts/vnedu.md`` "Excel exports".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    by_comment: bool  # assessed Đ/CĐ (Circular 22) instead of by score 0–10


# In the order the platforms list them (Excel columns, score sheets, the generator's draws).
SUBJECTS: dict[str, Subject] = {
    s.code: s
    for s in (
        Subject("VAN", "Ngữ văn", False),
        Subject("TOAN", "Toán", False),
        Subject("NN1", "Ngoại ngữ 1", False),
        Subject("GDCD", "Giáo dục công dân", False),
        Subject("LSDL", "Lịch sử và Địa lí", False),
        Subject("KHTN", "Khoa học tự nhiên", False),
        Subject("CN", "Công nghệ", False),
        Subject("TIN", "Tin học", False),
        Subject("GDTC", "Giáo dục thể chất", True),
        Subject("NT", "Nghệ thuật", True),
        Subject("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", True),
        Subject("GDDP", "Nội dung giáo dục của địa phương", True),
    )
}


def subject(code: str) -> Subject:
    """The subject with ``code``; `KeyError` for a code the platforms do not know."""
    return SUBJECTS[code]


# Mã dân tộc (two digits) → name, the ministry's catalog of the 54 ethnic groups.
ETHNICITIES: dict[str, str] = {
    f"{number:02d}": name
    for number, name in enumerate(
        (
            "Kinh",
            "Tày",
            "Thái",
            "Hoa",
            "Khơ-me",
            "Mường",
            "Nùng",
            "Hmông",
            "Dao",
            "Gia-rai",
            "Ngái",
            "Ê-đê",
            "Ba-na",
            "Xơ-đăng",
            "Sán Chay",
            "Cơ-ho",
            "Chăm",
            "Sán Dìu",
            "Hrê",
            "Mnông",
            "Ra-glai",
            "Xtiêng",
            "Bru-Vân Kiều",
            "Thổ",
            "Giáy",
            "Cơ-tu",
            "Gié-Triêng",
            "Mạ",
            "Khơ-mú",
            "Co",
            "Tà-ôi",
            "Chơ-ro",
            "Kháng",
            "Xinh-mun",
            "Hà Nhì",
            "Chu-ru",
            "Lào",
            "La Chí",
            "La Ha",
            "Phù Lá",
            "La Hủ",
            "Lự",
            "Lô Lô",
            "Chứt",
            "Mảng",
            "Pà Thẻn",
            "Cơ Lao",
            "Cống",
            "Bố Y",
            "Si La",
            "Pu Péo",
            "Brâu",
            "Ơ-đu",
            "Rơ-măm",
        ),
        start=1,
    )
}

# TrangThai code (CSDL) → the words vnEdu's trang_thai and the Excel lists use.
STATUSES: dict[str, str] = {
    "1": "Đang học",
    "2": "Chuyển đến",
    "3": "Chuyển đi",
    "4": "Thôi học",
    "5": "Nghỉ học xin học lại",
}

# GioiTinh code (CSDL) → the words vnEdu and the Excel lists use.
GENDERS: dict[str, str] = {"1": "Nam", "2": "Nữ"}

# Result codes → the words the Excel exports write them in.
LEVEL_WORDS = {"T": "Tốt", "K": "Khá", "Đ": "Đạt", "CĐ": "Chưa đạt"}
TITLE_WORDS = {"XS": "Học sinh Xuất sắc", "G": "Học sinh Giỏi"}
PROMOTION_WORDS = {"LL": "Lên lớp", "KTL": "Kiểm tra lại", "RLH": "Rèn luyện hè", "OL": "Ở lại lớp"}
