"""Every ``--help`` of ``lienthong`` as `cli.app` renders it on a terminal of `cli.main.HELP_COLUMNS`
columns or more, by command path: printed by `cli.main` without loading typer, click or pydantic.
Generated, not edited: after changing a command, an option or a summary, run
``python -m lienthong.cli.help_text`` (tests/cli/test_startup.py fails until then)."""

HELP: dict[str, str] = {
    "lienthong": """\
Usage: lienthong [OPTIONS] COMMAND [ARGS]...

  lienthong — liên thông dữ liệu học sinh giữa nhà trường, vnEdu, CSDL ngành
  và cổng báo cáo của Sở.

Options:
  --config <path>  Tệp cấu hình TOML (mặc định: biến LIENTHONG_CONFIG).  [env
                   var: LIENTHONG_CONFIG]
  --db <str>       Địa chỉ CSDL (mặc định sqlite:///./lienthong.db).  [env
                   var: LIENTHONG_DATABASE_URL]
  --as <str>       Thực hiện bằng tài khoản này (hỏi mật khẩu; không có bàn
                   phím: đọc một dòng từ stdin).
  --help           Show this message and exit.

Commands:
  init         Tạo tệp cấu hình có chú thích cho một trường và cơ sở dữ liệu
               của nó.
  assess       Tính kết quả theo Thông tư 22 cho từng học sinh (JSON Lines từ
               stdin ra stdout).
  demo         Trường mô phỏng + ba hệ thống mô phỏng + một lần đồng bộ đầy
               đủ, rồi in tóm tắt.
  simulate     Chạy ba hệ thống mô phỏng (vnEdu, CSDL ngành, cổng báo cáo) cho
               đến khi Ctrl-C hoặc SIGTERM.
  check        Kiểm tra kết nối và thông tin đăng nhập tới từng hệ thống đã
               cấu hình.
  sync         Đồng bộ một lần: đọc các hệ thống, lập kế hoạch theo quyền sở
               hữu dữ liệu, gửi đi.
  run          Chạy thường trực: đồng bộ theo lịch trong cấu hình, /metrics
               cho Prometheus; dừng bằng SIGTERM.
  match        Ghép học sinh vnEdu với học sinh CSDL (mã định danh, số định
               danh, họ tên + ngày sinh).
  reconcile    Đối chiếu mọi nguồn (sổ điểm, vnEdu, CSDL): mỗi khác biệt một
               dòng, bằng tiếng Việt.
  runs         Lịch sử các lần đồng bộ và kết quả.
  approve-run  Quản trị viên duyệt một lần chạy bị tạm giữ (ghi vào nhật ký
               kiểm toán).
  import       Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của giáo
               viên (tự nhận loại tệp).
  export       Ghi tệp để nhập vào CSDL ngành theo mẫu hiện hành, từ dữ liệu
               đã đối chiếu.
  login        Đăng nhập: mở một phiên 8 giờ cho các lệnh sau (lưu trong tệp
               chỉ mình đọc được).
  logout       Đăng xuất: phiên hiện tại hết hiệu lực.
  db           Cơ sở dữ liệu của lienthong (SQLite mặc định, PostgreSQL khi
               cấu hình).
  audit        Nhật ký kiểm toán (chỉ ghi thêm, nối chuỗi băm).
  resolve      Xử lý khác biệt: GVCN đề xuất, Hiệu trưởng duyệt hoặc từ chối.
  users        Tài khoản người dùng (quản trị CNTT): thêm, đổi mật khẩu, khoá,
               liệt kê.
  classes      Lớp học và giáo viên chủ nhiệm (GVCN) của từng lớp.
""",
    "lienthong init": """\
Usage: lienthong init [OPTIONS]

  Tạo tệp cấu hình có chú thích cho một trường và cơ sở dữ liệu của nó.

Options:
  --ma-truong <str>  Mã trường (8 chữ số).  [required]
  --file <path>      Tệp cấu hình sẽ tạo.  [default: lienthong.toml]
  --help             Show this message and exit.
""",
    "lienthong assess": """\
Usage: lienthong assess [OPTIONS]

  Tính kết quả theo Thông tư 22 cho từng học sinh (JSON Lines từ stdin ra
  stdout).

Options:
  --help  Show this message and exit.
""",
    "lienthong demo": """\
Usage: lienthong demo [OPTIONS]

  Trường mô phỏng + ba hệ thống mô phỏng + một lần đồng bộ đầy đủ, rồi in tóm
  tắt.

Options:
  --seed <int>        Hạt giống sinh trường mô phỏng.  [default: 1]
  --students <int>    Số học sinh của trường mô phỏng.  [default: 2000]
  --wait / --no-wait  Giữ các hệ thống mô phỏng chạy sau khi đồng bộ.
                      [default: wait]
  --help              Show this message and exit.
""",
    "lienthong simulate": """\
Usage: lienthong simulate [OPTIONS]

  Chạy ba hệ thống mô phỏng (vnEdu, CSDL ngành, cổng báo cáo) cho đến khi
  Ctrl-C hoặc SIGTERM.

Options:
  --seed <int>        Hạt giống sinh trường mô phỏng.  [default: 1]
  --students <int>    Số học sinh của trường mô phỏng.  [default: 2000]
  --faults <str>      Hồ sơ lỗi: none, flaky hoặc hostile.  [default: none]
  --host <str>        Địa chỉ lắng nghe (chỉ nên là loopback).  [default:
                      127.0.0.1]
  --port <list[str]>  Cổng của một hệ thống, dạng TÊN=CỔNG (0: tự chọn cổng
                      trống), lặp lại cho từng hệ thống; mặc định vnedu=8101,
                      csdl=8102, portal=8103.
  --manifest <path>   Ghi bản kê các khác biệt đã cài vào tệp JSON này.
  --files <path>      Chỉ ghi bộ tệp Excel của trường (vnEdu, CSDL, sổ điểm
                      giáo viên) vào thư mục này rồi dừng, không chạy dịch vụ.
  --today <str>       Ngày của trường mô phỏng (YYYY-MM-DD), ví dụ cuối năm
                      học để có kết quả cả năm; mặc định hôm nay.
  --help              Show this message and exit.
""",
    "lienthong check": """\
Usage: lienthong check [OPTIONS]

  Kiểm tra kết nối và thông tin đăng nhập tới từng hệ thống đã cấu hình.

Options:
  --help  Show this message and exit.
""",
    "lienthong read-file": """\
Usage: lienthong read-file [OPTIONS] {path}

  Như `lienthong import --dry-run`: đọc thử một tệp, không lưu gì.

Arguments:
  path <path>  Tệp Excel (.xlsx hoặc .xls).  [required]

Options:
  --kind <str>                    Loại tệp, như với `import`.
  --school-year, --nam-hoc <str>  Năm học mong đợi.
  --semester, --hoc-ky <str>      Học kỳ mong đợi: 1, 2 hoặc CN.
  --subject, --mon <str>          Mã môn (sổ điểm), ví dụ TOAN.
  --class, --lop <str>            Lớp mong đợi, ví dụ 6A1.
  --map <str>                     Cột của sổ điểm không tự nhận ra.
  --help                          Show this message and exit.
""",
    "lienthong sync": """\
Usage: lienthong sync [OPTIONS]

  Đồng bộ một lần: đọc các hệ thống, lập kế hoạch theo quyền sở hữu dữ liệu,
  gửi đi.

Options:
  --once                  Chạy một lần rồi dừng (lịch tự động: `lienthong
                          run`).  [default: True]
  --platform <list[str]>  Chỉ đồng bộ hệ thống này (lặp lại được).
  --full                  Đọc toàn bộ thay vì chỉ phần thay đổi.
  --dry-run               Chỉ cho xem kế hoạch gửi; không ghi gì ở đâu cả.
  --json                  Mỗi sự kiện một đối tượng JSON trên một dòng.
  --help                  Show this message and exit.
""",
    "lienthong run": """\
Usage: lienthong run [OPTIONS]

  Chạy thường trực: đồng bộ theo lịch trong cấu hình, /metrics cho Prometheus;
  dừng bằng SIGTERM.

Options:
  --help  Show this message and exit.
""",
    "lienthong match": """\
Usage: lienthong match [OPTIONS]

  Ghép học sinh vnEdu với học sinh CSDL (mã định danh, số định danh, họ tên +
  ngày sinh).

Options:
  --help  Show this message and exit.
""",
    "lienthong reconcile": """\
Usage: lienthong reconcile [OPTIONS]

  Đối chiếu mọi nguồn (sổ điểm, vnEdu, CSDL): mỗi khác biệt một dòng, bằng
  tiếng Việt.

  Báo cả những phần chưa đối chiếu được và lý do (chỉ có một nguồn, chưa có dữ
  liệu điểm danh…).

  Mã thoát: 0 — các phần đã đối chiếu đều khớp; 1 — có khác biệt cần xem; 2 —
  không đối chiếu được hai nguồn nào với nhau (chưa có dữ liệu, hoặc chỉ có
  một nguồn), hoặc tham số sai.

Options:
  --format <str>    table (trên màn hình), json (JSON Lines), html, xlsx hoặc
                    pdf (báo cáo).  [default: table]
  --class <str>     Chỉ một lớp, ví dụ 6A1 (báo cáo cho GVCN).
  --out <path>      Ghi kết quả vào tệp này (bắt buộc với xlsx, pdf).
  --summary <path>  Ghi bản tóm tắt (JSON) vào tệp này thay vì stderr.
  --overwrite       Ghi đè tệp --out/--summary đã có.
  --help            Show this message and exit.
""",
    "lienthong runs": """\
Usage: lienthong runs [OPTIONS]

  Lịch sử các lần đồng bộ và kết quả.

Options:
  --limit <int>  Số lần chạy gần nhất.  [default: 20]
  --json         Mỗi lần chạy một đối tượng JSON trên một dòng.
  --help         Show this message and exit.
""",
    "lienthong approve-run": """\
Usage: lienthong approve-run [OPTIONS] {run_id}

  Quản trị viên duyệt một lần chạy bị tạm giữ (ghi vào nhật ký kiểm toán).

Arguments:
  run_id <int>  Số của lần chạy đang tạm giữ.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong import": """\
Usage: lienthong import [OPTIONS] {paths}...

  Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của giáo viên (tự
  nhận loại tệp).

  Báo từng trang (đã đọc, hoặc không đọc và vì sao), từng cột không dùng, từng
  dòng bị từ chối (trang, ô, giá trị, lý do). Mã thoát: 0 đọc hết, 1 có dòng
  bị từ chối, 2 có tệp bị từ chối cả tệp.

Arguments:
  paths... <list[Path]>  Một hay nhiều tệp Excel (.xlsx hoặc .xls).
                         [required]

Options:
  --kind <str>         vnedu-sodiem, vnedu-tonghop, csdl-hocsinh, csdl-ketqua,
                       gradebook; mặc định tự nhận ra.
  --school-year <str>  Năm học của tệp; mặc định năm học trong cấu hình.
  --semester <str>     1, 2 hoặc CN: tệp khác học kỳ này bị từ chối.
  --class <str>        Lớp: tệp có lớp khác bị từ chối.
  --subject <str>      Mã môn của sổ điểm cá nhân khi tiêu đề không ghi, ví dụ
                       TOAN.
  --map <str>          Cột của sổ điểm không tự nhận ra: "Miệng 1=TX1,Thi
                       HK=CK"; bài chia phần: "GK=GKTN+GKTH,CK=CKTN+CKTH".
  --json               Mỗi tệp một đối tượng JSON trên một dòng.
  --dry-run            Chỉ đọc thử và báo những gì đọc được; không lưu gì.
  --help               Show this message and exit.
""",
    "lienthong export": """\
Usage: lienthong export [OPTIONS] {what}

  Ghi tệp để nhập vào CSDL ngành theo mẫu hiện hành, từ dữ liệu đã đối chiếu.

Arguments:
  what <str>  csdl-ketqua (kết quả học tập) hoặc csdl-hocsinh (danh sách học
              sinh).  [required]

Options:
  --out <path>      Tệp .xlsx sẽ ghi.  [required]
  --semester <str>  1, 2 hoặc CN (bắt buộc với csdl-ketqua).
  --class <str>     Chỉ một lớp, ví dụ 6A1.
  --force           Xuất dù còn khác biệt về điểm/danh tính (ghi nhật ký kiểm
                    toán).
  --overwrite       Ghi đè tệp --out đã có.
  --help            Show this message and exit.
""",
    "lienthong import-gradebook": """\
Usage: lienthong import-gradebook [OPTIONS] {path}

  Nhập sổ điểm của giáo viên (như `lienthong import --kind gradebook`).

Arguments:
  path <path>  Sổ điểm (.xlsx hoặc .xls).  [required]

Options:
  --subject, --mon <str>      Mã môn, ví dụ TOAN.  [required]
  --semester, --hoc-ky <str>  Học kỳ 1 hoặc 2.  [default: 1]
  --map <str>                 Vị trí cột khi không tự nhận ra.
  --help                      Show this message and exit.
""",
    "lienthong login": """\
Usage: lienthong login [OPTIONS] {name}

  Đăng nhập: mở một phiên 8 giờ cho các lệnh sau (lưu trong tệp chỉ mình đọc
  được).

Arguments:
  name <str>  Tên đăng nhập.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong logout": """\
Usage: lienthong logout [OPTIONS]

  Đăng xuất: phiên hiện tại hết hiệu lực.

Options:
  --help  Show this message and exit.
""",
    "lienthong db": """\
Usage: lienthong db [OPTIONS] COMMAND [ARGS]...

  Cơ sở dữ liệu của lienthong (SQLite mặc định, PostgreSQL khi cấu hình).

Options:
  --help  Show this message and exit.

Commands:
  upgrade  Tạo hoặc nâng cấp lược đồ CSDL lên phiên bản mới nhất (Alembic).
""",
    "lienthong db upgrade": """\
Usage: lienthong db upgrade [OPTIONS]

  Tạo hoặc nâng cấp lược đồ CSDL lên phiên bản mới nhất (Alembic).

Options:
  --url <str>  Địa chỉ CSDL; mặc định lấy từ cấu hình.
  --help       Show this message and exit.
""",
    "lienthong audit": """\
Usage: lienthong audit [OPTIONS] COMMAND [ARGS]...

  Nhật ký kiểm toán (chỉ ghi thêm, nối chuỗi băm).

Options:
  --help  Show this message and exit.

Commands:
  verify  Kiểm tra nhật ký kiểm toán: phát hiện mọi mục bị sửa hoặc xoá.
""",
    "lienthong audit verify": """\
Usage: lienthong audit verify [OPTIONS]

  Kiểm tra nhật ký kiểm toán: phát hiện mọi mục bị sửa hoặc xoá.

Options:
  --help  Show this message and exit.
""",
    "lienthong resolve": """\
Usage: lienthong resolve [OPTIONS] COMMAND [ARGS]...

  Xử lý khác biệt: GVCN đề xuất, Hiệu trưởng duyệt hoặc từ chối.

Options:
  --help  Show this message and exit.

Commands:
  propose  GVCN đề xuất giá trị đúng; sửa điểm/kết quả cần Hiệu trưởng duyệt
           trước khi gửi đi.
  approve  Hiệu trưởng duyệt đề xuất (người đề xuất không tự duyệt); điểm sửa
           được gửi ở lần đồng bộ tới.
  reject   Hiệu trưởng từ chối đề xuất; khác biệt trở lại cho GVCN.
  show     Khác biệt, người phụ trách và các bước xử lý.
""",
    "lienthong resolve propose": """\
Usage: lienthong resolve propose [OPTIONS] {discrepancy_id}

  GVCN đề xuất giá trị đúng; sửa điểm/kết quả cần Hiệu trưởng duyệt trước khi
  gửi đi.

Arguments:
  discrepancy_id <str>  Mã khác biệt (cột id của `lienthong reconcile --format
                        json`).  [required]

Options:
  --value <str>   Giá trị đúng, ví dụ 7,5 hoặc Đ.  [required]
  --reason <str>  Lý do, ví dụ «đối chiếu bài kiểm tra gốc».  [required]
  --help          Show this message and exit.
""",
    "lienthong resolve approve": """\
Usage: lienthong resolve approve [OPTIONS] {discrepancy_id}

  Hiệu trưởng duyệt đề xuất (người đề xuất không tự duyệt); điểm sửa được gửi
  ở lần đồng bộ tới.

Arguments:
  discrepancy_id <str>  Mã khác biệt.  [required]

Options:
  --reason <str>  Ghi chú khi duyệt.
  --help          Show this message and exit.
""",
    "lienthong resolve reject": """\
Usage: lienthong resolve reject [OPTIONS] {discrepancy_id}

  Hiệu trưởng từ chối đề xuất; khác biệt trở lại cho GVCN.

Arguments:
  discrepancy_id <str>  Mã khác biệt.  [required]

Options:
  --reason <str>  Lý do từ chối.  [required]
  --help          Show this message and exit.
""",
    "lienthong resolve show": """\
Usage: lienthong resolve show [OPTIONS] {discrepancy_id}

  Khác biệt, người phụ trách và các bước xử lý.

Arguments:
  discrepancy_id <str>  Mã khác biệt.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong users": """\
Usage: lienthong users [OPTIONS] COMMAND [ARGS]...

  Tài khoản người dùng (quản trị CNTT): thêm, đổi mật khẩu, khoá, liệt kê.

Options:
  --help  Show this message and exit.

Commands:
  add       Thêm tài khoản (tài khoản đầu tiên: it hoặc principal, không cần
            đăng nhập).
  delegate  Hiệu trưởng uỷ quyền (hoặc thu hồi) cho một thành viên Ban giám
            hiệu duyệt sửa điểm, kết quả.
  passwd    Đổi mật khẩu (của mình, hoặc của người khác nếu là quản trị CNTT).
  disable   Khoá một tài khoản (quản trị CNTT).
  enable    Mở lại một tài khoản đã khoá (quản trị CNTT).
  list      Danh sách tài khoản, vai trò và phạm vi.
  roles     Các vai trò.
""",
    "lienthong users add": """\
Usage: lienthong users add [OPTIONS] {login}

  Thêm tài khoản (tài khoản đầu tiên: it hoặc principal, không cần đăng nhập).

Arguments:
  login <str>  Tên đăng nhập (không phân biệt hoa thường).  [required]

Options:
  --name <str>           Họ và tên.  [required]
  --role <str>           it, principal, board, department_head, gvcn, teacher,
                         parent.  [required]
  --class <list[str]>    Lớp phụ trách (GVCN, giáo viên bộ môn); lặp lại.
  --subject <list[str]>  Môn (giáo viên bộ môn, tổ trưởng); lặp lại.
  --student <list[str]>  Mã học sinh (cha mẹ học sinh).
  --help                 Show this message and exit.
""",
    "lienthong users delegate": """\
Usage: lienthong users delegate [OPTIONS] {login}

  Hiệu trưởng uỷ quyền (hoặc thu hồi) cho một thành viên Ban giám hiệu duyệt
  sửa điểm, kết quả.

Arguments:
  login <str>  Thành viên Ban giám hiệu (board).  [required]

Options:
  --revoke  Thu hồi quyền duyệt.
  --help    Show this message and exit.
""",
    "lienthong users passwd": """\
Usage: lienthong users passwd [OPTIONS] [login]

  Đổi mật khẩu (của mình, hoặc của người khác nếu là quản trị CNTT).

Arguments:
  login <str>  Tài khoản (mặc định: của mình).

Options:
  --help  Show this message and exit.
""",
    "lienthong users disable": """\
Usage: lienthong users disable [OPTIONS] {login}

  Khoá một tài khoản (quản trị CNTT).

Arguments:
  login <str>  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong users enable": """\
Usage: lienthong users enable [OPTIONS] {login}

  Mở lại một tài khoản đã khoá (quản trị CNTT).

Arguments:
  login <str>  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong users list": """\
Usage: lienthong users list [OPTIONS]

  Danh sách tài khoản, vai trò và phạm vi.

Options:
  --help  Show this message and exit.
""",
    "lienthong users roles": """\
Usage: lienthong users roles [OPTIONS]

  Các vai trò.

Options:
  --help  Show this message and exit.
""",
    "lienthong classes": """\
Usage: lienthong classes [OPTIONS] COMMAND [ARGS]...

  Lớp học và giáo viên chủ nhiệm (GVCN) của từng lớp.

Options:
  --help  Show this message and exit.

Commands:
  list      Các lớp có trong dữ liệu, sĩ số, GVCN và GVCN lấy từ đâu (danh
            sách lớp hay đặt bằng lệnh).
  set-gvcn  Đặt GVCN của một lớp cho năm học hiện tại (quản trị CNTT hoặc Hiệu
            trưởng; ghi nhật ký kiểm toán).
""",
    "lienthong classes list": """\
Usage: lienthong classes list [OPTIONS]

  Các lớp có trong dữ liệu, sĩ số, GVCN và GVCN lấy từ đâu (danh sách lớp hay
  đặt bằng lệnh).

Options:
  --json  Mỗi lớp một đối tượng JSON trên một dòng.
  --help  Show this message and exit.
""",
    "lienthong classes set-gvcn": """\
Usage: lienthong classes set-gvcn [OPTIONS] {class_code} {full_name}

  Đặt GVCN của một lớp cho năm học hiện tại (quản trị CNTT hoặc Hiệu trưởng;
  ghi nhật ký kiểm toán).

  Dùng khi danh sách lớp không có cột GVCN (trường chỉ có tệp Excel). Tên đặt
  ở đây được dùng thay cho tên trong danh sách lớp.

  Mã thoát: 0 — đã đặt; 2 — lớp hoặc tên không hợp lệ; 4 — tài khoản không có
  quyền.

Arguments:
  class_code <str>  Lớp, ví dụ 6A1.  [required]
  full_name <str>   Họ và tên giáo viên chủ nhiệm, ví dụ "Nguyễn Thị Lan".
                    [required]

Options:
  --help  Show this message and exit.
""",
}


def render() -> dict[str, str]:
    """The app's own help of every command and group, as click prints it at full width."""
    import typer.main

    from lienthong.cli.app import app
    from lienthong.cli.main import HELP_COLUMNS

    rendered: dict[str, str] = {}

    def walk(command, context) -> None:
        rendered[context.command_path] = command.get_help(context) + "\n"
        for name in command.list_commands(context) if hasattr(command, "list_commands") else ():
            sub = command.get_command(context, name)
            walk(sub, sub.context_class(sub, info_name=name, parent=context, **sub.context_settings))

    top = typer.main.get_command(app)
    settings = {**top.context_settings, "terminal_width": HELP_COLUMNS - 2}  # click keeps a 2-column margin
    walk(top, top.context_class(top, info_name="lienthong", **settings))
    return rendered


def _literal(text: str) -> str:
    if "\\" in text or '"""' in text or text.endswith('"'):
        return repr(text)
    return f'"""\\\n{text}"""'


if __name__ == "__main__":
    from pathlib import Path

    here = Path(__file__)
    source = here.read_text(encoding="utf-8")
    start = source.index("HELP: dict[str, str] = ")
    end = source.index("\n\n\ndef render")
    entries = "".join(f'    "{path}": {_literal(text)},\n' for path, text in render().items())
    here.write_text(f"{source[:start]}HELP: dict[str, str] = {{\n{entries}}}{source[end:]}", encoding="utf-8")
