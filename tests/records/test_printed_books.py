"""The printed học bạ: A4, one page per student, Vietnamese text intact (checked by pdftotext),
signed PAdES by the GVCN then the principal, both signatures verified; a byte changed in the
printed book afterwards is caught."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.records.conftest import PASSWORD

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")


def _text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_transcripts_print_one_a4_page_per_student_with_diacritics(cli, tmp_path):
    out = tmp_path / "hocba-9A1.pdf"
    done = cli("print", "hocba", "--class", "9A1", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _pages(out) == 15 and "Đã in 15 trang học bạ lớp 9A1" in done.stdout
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    text = _text(out)
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TRƯỜNG THCS BÌNH AN",
        "Lịch sử và Địa lí",
        "Hoạt động trải nghiệm, hướng nghiệp",
        "Giáo viên chủ nhiệm",
        "Nguyễn Thị Lan",
        "Đặng Quang Trung",
        "Kết quả rèn luyện",
    ):
        assert words in text, words
    assert text.count("HỌC BẠ") == 15
    assert out.stat().st_mode & 0o077 == 0


def test_the_printed_book_is_signed_by_gvcn_then_principal_and_verified(cli, tmp_path):
    out = tmp_path / "hocba-9A1.pdf"
    done = cli("--as", "gv.lan", "print", "hocba", "--class", "9A1", "--out", str(out), "--sign", password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    done = cli("--as", "ht.trung", "print", "sign", str(out), password=PASSWORD)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = cli("print", "verify", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[0].startswith("HỢP LỆ: Nguyễn Thị Lan") and "sau đó chỉ thêm chữ ký" in lines[0]
    assert lines[1].startswith("HỢP LỆ: Đặng Quang Trung") and "phủ toàn bộ tệp" in lines[1]
    assert all("tin cậy" in line and "KHÔNG" not in line for line in lines[:2])

    data = bytearray(out.read_bytes())
    stream = list(re.finditer(rb">>\s*stream\r?\n", data))[2]  # a page's content, inside both signed ranges
    data[stream.end() + 20] ^= 0x01
    out.write_bytes(bytes(data))
    broken = cli("print", "verify", str(out))
    assert broken.returncode == 1
    assert broken.stdout.count("KHÔNG HỢP LỆ") == 2 and "nội dung đã bị thay đổi sau khi ký" in broken.stdout
    assert "Traceback" not in broken.stderr and "Nguyễn" not in broken.stderr  # nothing personal in logs


def test_the_class_assessment_book_and_the_register_print_in_vietnamese(cli, tmp_path):
    book = tmp_path / "so-theo-doi-9A1-HK1.pdf"
    done = cli("print", "so-theo-doi", "--class", "9A1", "--semester", "1", "--out", str(book))
    assert done.returncode == 0, done.stdout + done.stderr
    text = _text(book)
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in text and "Lớp 9A1 — Năm học 2025-2026 — Học kỳ I" in text
    assert "Giáo viên chủ nhiệm: Nguyễn Thị Lan" in text and "Rèn luyện" in text and "Chưa đạt" in text
    assert re.search(r"\d,\d", text)  # scores written with a comma
    info = subprocess.run(["pdfinfo", str(book)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info  # landscape

    register = tmp_path / "so-dang-bo.pdf"
    done = cli("print", "so-dang-bo", "--out", str(register))
    assert done.returncode == 0, done.stdout + done.stderr
    text = _text(register)
    assert "SỔ ĐĂNG BỘ" in text and "Mã định danh" in text and "Đang học" in text
    assert all(code in text for code in ("6A1", "7A1", "8A1", "9A1"))
    wrong = cli("print", "so-theo-doi", "--class", "9A1", "--semester", "3", "--out", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 2
