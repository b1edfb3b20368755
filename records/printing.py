"""The printed học bạ: A4 PDF, one page per student, in the layout schools print (WeasyPrint).

The letterhead (the Sở and the school on the left, the national heading on the right), the
student's particulars, one row per subject with semester I, semester II and the year, the
year's results in words, the homeroom teacher's remarks and the signature block (GVCN,
Hiệu trưởng) with place and date. Text is NFC and set in DejaVu (Vietnamese diacritics).
"""

from __future__ import annotations

import html
import unicodedata
from datetime import date

from lienthong.mapping.normalize import LEVEL_WORDS, PROMOTION_WORDS, SEMESTER_TITLES, TITLE_WORDS
from lienthong.records.transcript import Transcript, TranscriptYear

CSS = """
@page { size: A4; margin: 14mm 14mm 14mm 16mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #000; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
.head { display: flex; justify-content: space-between; text-align: center; }
.head div { width: 48%; }
.head b { display: block; }
h1 { text-align: center; font-size: 16pt; margin: 6mm 0 3mm; letter-spacing: 1pt; }
.info td { padding: 1mm 2mm 1mm 0; }
table.scores { border-collapse: collapse; width: 100%; margin-top: 3mm; }
table.scores th, table.scores td { border: 0.6pt solid #000; padding: 1mm 1.5mm; }
table.scores td.n { text-align: center; }
.results { margin-top: 3mm; }
.results td { padding: 0.6mm 2mm 0.6mm 0; }
.sign { display: flex; justify-content: space-between; margin-top: 6mm; text-align: center; }
.sign div { width: 45%; }
.sign .name { margin-top: 16mm; font-weight: bold; }
.note { margin-top: 2mm; font-size: 8pt; }
"""


def _e(text: object) -> str:
    return html.escape(unicodedata.normalize("NFC", str(text)), quote=True)


def _score(value: str) -> str:
    return value.replace(".", ",") if value and value[0].isdigit() else value


def _date_words(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _year_page(transcript: Transcript, year: TranscriptYear, province: str, place: str) -> str:
    p, r = transcript.pupil, year.results
    rows = "".join(
        f"<tr><td>{_e(s.name)}</td><td class='n'>{_e(_score(s.hk1))}</td><td class='n'>{_e(_score(s.hk2))}</td>"
        f"<td class='n'>{_e(_score(s.cn))}</td><td>{_e(s.comment or '')}</td></tr>"
        for s in year.subjects
    )
    title = TITLE_WORDS.get(r.title, "") if r.title else "Không"
    fixes = "".join(
        f"<div class='note'>Điều chỉnh: {_e(f.field)} {_e(f.old)} → {_e(f.new)} ({_e(f.reason)}; duyệt: "
        f"{_e(f.approved_by)}, {f.day:%d/%m/%Y})</div>"
        for f in year.corrections
    )
    return f"""
<section class="page">
  <div class="head">
    <div>{_e(province.upper())}<b>{_e(p.school_name.upper())}</b></div>
    <div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>Độc lập - Tự do - Hạnh phúc</div>
  </div>
  <h1>HỌC BẠ</h1>
  <table class="info">
    <tr><td>Họ và tên: <b>{_e(p.full_name)}</b></td><td>Giới tính: {_e(p.gender)}</td></tr>
    <tr><td>Ngày sinh: {p.birth_date:%d/%m/%Y}</td><td>Dân tộc: {_e(p.ethnicity)}</td></tr>
    <tr><td>Mã định danh: {_e(p.ministry_id)}</td>
      <td>Năm học: {_e(year.school_year)} — Lớp: {_e(year.class_code)}</td></tr>
  </table>
  <table class="scores">
    <tr><th>Môn học, hoạt động giáo dục</th><th>Học kỳ I</th><th>Học kỳ II</th><th>Cả năm</th>
      <th>Nhận xét</th></tr>
    {rows}
  </table>
  <table class="results">
    <tr><td>Kết quả học tập:</td><td>Học kỳ I: {_e(LEVEL_WORDS.get(r.learning_hk1, r.learning_hk1))}</td>
      <td>Học kỳ II: {_e(LEVEL_WORDS.get(r.learning_hk2, r.learning_hk2))}</td>
      <td>Cả năm: <b>{_e(LEVEL_WORDS.get(r.learning_cn, r.learning_cn))}</b></td></tr>
    <tr><td>Kết quả rèn luyện:</td><td>Học kỳ I: {_e(LEVEL_WORDS.get(r.training_hk1, r.training_hk1))}</td>
      <td>Học kỳ II: {_e(LEVEL_WORDS.get(r.training_hk2, r.training_hk2))}</td>
      <td>Cả năm: <b>{_e(LEVEL_WORDS.get(r.training_cn, r.training_cn))}</b></td></tr>
    <tr><td>Số buổi nghỉ:</td><td>{r.absences}</td><td>Danh hiệu: {_e(title)}</td>
      <td>{_e(PROMOTION_WORDS.get(r.promotion, r.promotion))}</td></tr>
  </table>
  <div class="note">Nhận xét của giáo viên chủ nhiệm: {_e(r.gvcn_comment or "")}</div>
  {fixes}
  <div class="sign">
    <div>Giáo viên chủ nhiệm<br><i>(ký số)</i><div class="name">{_e(year.gvcn)}</div></div>
    <div><i>{_e(place)}, {_date_words(year.day)}</i><br>Hiệu trưởng<br><i>(ký số)</i>
      <div class="name">{_e(year.principal)}</div></div>
  </div>
</section>"""


def transcripts_html(transcripts: list[Transcript], province: str = "Sở Giáo dục và Đào tạo", place: str = "") -> str:
    """One page per student (the newest year of each transcript)."""
    pages = "".join(
        _year_page(t, max(t.years, key=lambda y: y.school_year), province, place or "……") for t in transcripts
    )
    head = f'<head><meta charset="utf-8"><style>{CSS}</style></head>'
    return f'<!doctype html><html lang="vi">{head}<body>{pages}</body></html>'


def render_pdf(document_html: str) -> bytes:
    """A4 PDF of the HTML; nothing is fetched (no base URL, no external resources)."""
    from weasyprint import HTML

    def refuse(url: str, *args, **kwargs):
        raise ValueError("external resources are not loaded")

    return HTML(string=document_html, url_fetcher=refuse).write_pdf()


# --- the class assessment book and the register ----------------------------------------------------

BOOK_CSS = (
    CSS.replace("size: A4;", "size: A4 landscape;")
    + """
table.scores th, table.scores td { padding: 0.6mm 1mm; font-size: 8pt; }
table.scores th.s { writing-mode: horizontal-tb; width: 11mm; }
"""
)
PERIOD_WORDS = SEMESTER_TITLES


def _letterhead(province: str, school: str) -> str:
    return (
        f'<div class="head"><div>{_e(province.upper())}<b>{_e(school.upper())}</b></div>'
        "<div><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>Độc lập - Tự do - Hạnh phúc</div></div>"
    )


def _page(css: str, body: str) -> str:
    head = f'<head><meta charset="utf-8"><style>{css}</style></head>'
    return f'<!doctype html><html lang="vi">{head}<body>{body}</body></html>'


def class_book_html(book, school: str, province: str, principal: str, place: str, day: date) -> str:
    """The class assessment book of one period (`books.ClassBook`), A4 landscape."""
    heads = "".join(f"<th class='s'>{_e(name)}</th>" for _, name in book.subjects)
    rows = "".join(
        f"<tr><td class='n'>{i}</td><td>{_e(r.name)}</td>"
        + "".join(f"<td class='n'>{_e(r.values[code])}</td>" for code, _ in book.subjects)
        + f"<td class='n'>{_e(LEVEL_WORDS.get(r.learning, r.learning))}</td>"
        f"<td class='n'>{_e(LEVEL_WORDS.get(r.training, r.training))}</td><td class='n'>{_e(r.absences)}</td></tr>"
        for i, r in enumerate(book.rows, 1)
    )
    body = f"""<section>
  {_letterhead(province, school)}
  <h1>SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH</h1>
  <p style="text-align:center">Lớp {_e(book.class_code)} — Năm học {_e(book.school_year)} —
    {_e(PERIOD_WORDS.get(book.period, book.period))} — Giáo viên chủ nhiệm: {_e(book.gvcn or "chưa rõ")}</p>
  <table class="scores">
    <tr><th>STT</th><th>Họ và tên</th>{heads}<th>Học tập</th><th>Rèn luyện</th><th>Nghỉ</th></tr>
    {rows}
  </table>
  <div class="sign">
    <div>Giáo viên chủ nhiệm<br><i>(ký số)</i><div class="name">{_e(book.gvcn)}</div></div>
    <div><i>{_e(place or "……")}, {_date_words(day)}</i><br>Hiệu trưởng<br><i>(ký số)</i>
      <div class="name">{_e(principal)}</div></div>
  </div>
</section>"""
    return _page(BOOK_CSS, body)


def register_html(rows, school_year: str, school: str, province: str, principal: str, place: str, day: date) -> str:
    """The register (sổ đăng bộ): one line per student, A4 landscape."""
    lines = "".join(
        f"<tr><td class='n'>{i}</td><td>{_e(r.name)}</td><td class='n'>{_e(r.birth_date)}</td>"
        f"<td class='n'>{_e(r.gender)}</td><td>{_e(r.ethnicity)}</td><td class='n'>{_e(r.ministry_id)}</td>"
        f"<td class='n'>{_e(r.class_code)}</td><td>{_e(r.status)}</td></tr>"
        for i, r in enumerate(rows, 1)
    )
    body = f"""<section>
  {_letterhead(province, school)}
  <h1>SỔ ĐĂNG BỘ</h1>
  <p style="text-align:center">Năm học {_e(school_year)}</p>
  <table class="scores">
    <tr><th>STT</th><th>Họ và tên</th><th>Ngày sinh</th><th>Giới tính</th><th>Dân tộc</th>
      <th>Mã định danh</th><th>Lớp</th><th>Tình trạng</th></tr>
    {lines}
  </table>
  <div class="sign"><div></div>
    <div><i>{_e(place or "……")}, {_date_words(day)}</i><br>Hiệu trưởng<br><i>(ký số)</i>
      <div class="name">{_e(principal)}</div></div>
  </div>
</section>"""
    return _page(BOOK_CSS, body)
