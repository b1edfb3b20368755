"""``lienthong init``: a commented configuration for one school, and its database."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import make_url

from lienthong.config.settings import DEFAULT_DATABASE_URL, Settings
from lienthong.store.db import migrate

TEMPLATE = """# lienthong — cấu hình của trường {ma_truong}
# Mật khẩu và khoá KHÔNG ghi ở đây: đặt biến môi trường LIENTHONG_VNEDU_CLIENT_SECRET,
# LIENTHONG_CSDL_PASSWORD, LIENTHONG_PORTAL_API_KEY, hoặc bỏ dấu # ở secrets_file bên dưới
# (tệp TOML riêng, chỉ tài khoản chạy lienthong đọc được; khoá vnedu_client_secret,
# csdl_password, portal_api_key).
ma_truong = "{ma_truong}"
database_url = "{database_url}"
# school_year = "2026-2027"   # bỏ trống: năm học hiện tại theo lịch (bắt đầu tháng 9)
# retry_budget_s = 120     # một lần chạy thử lại tối đa bao nhiêu giây với hệ thống không trả lời
# secrets_file = "/etc/lienthong/secrets.toml"

# vnEdu (API đối tác). Bỏ cả mục nếu trường chỉ dùng tệp Excel.
# [vnedu]
# base_url = "https://..."
# client_id = "..."

# CSDL ngành (dịch vụ web SOAP).
# [csdl]
# endpoint = "https://.../csdl"
# username = "..."

# Cổng báo cáo của Sở GD&ĐT (mã đơn vị hành chính sau sắp xếp 2025).
# [portal]
# base_url = "https://..."
# ma_tinh = "{ma_tinh}"
# ma_xa = "....."

# Thời gian nhà trường mở sổ cho từng học kỳ (Quy chế Suối Ngô, Điều 3).
# [[lock_windows]]
# semester = "1"
# kind = "diem"
# opens = 2026-09-05T00:00:00+07:00
# closes = 2027-01-10T00:00:00+07:00

# Đầu báo cáo, sổ và học bạ in ra: tên trường, Sở, địa danh của dòng ngày tháng. Chưa khai thì để
# trống «……» cho người ký viết tay.
# [records]
# school_name = "Trường THCS ..."
# department_name = "Sở Giáo dục và Đào tạo ..."
# place = "..."

[schedule]
incremental = "*/30 6-18 * * 1-6"   # giờ Việt Nam (Asia/Ho_Chi_Minh)
full = "0 2 * * *"
metrics_port = 9108
"""


def init_school(path: Path, ma_truong: str, database_url: str | None, console: Console | None = None) -> int:
    console = console or Console(markup=False, highlight=False, soft_wrap=True)
    if not (len(ma_truong) == 8 and ma_truong.isdigit()):
        console.print(f"Mã trường phải gồm 8 chữ số, đang là {ma_truong!r}", style="red")
        return 2
    if path.exists():
        console.print(f"{path} đã có; không ghi đè. Hãy sửa tệp đó hoặc chọn tên khác (--file).", style="red")
        return 2
    url = database_url or DEFAULT_DATABASE_URL
    shown = Settings.redact_url(url)
    # a URL with its password stays in the environment: the file gets the address without it
    written = url if shown == url else make_url(url).set(password=None).render_as_string(hide_password=False)
    path.write_text(TEMPLATE.format(ma_truong=ma_truong, database_url=written, ma_tinh=ma_truong[:2]), encoding="utf-8")
    migrate(url)
    note = (
        ""
        if shown == url
        else (" Địa chỉ CSDL có mật khẩu nên không ghi vào tệp: giữ nó trong biến môi trường LIENTHONG_DATABASE_URL.")
    )
    console.print(
        f"Đã tạo {path} và cơ sở dữ liệu {shown}.{note} Bước tiếp: điền các mục [vnedu]/[csdl]/[portal], "
        "đặt mật khẩu bằng biến môi trường, rồi chạy `lienthong check`.",
        markup=False,
    )
    return 0
