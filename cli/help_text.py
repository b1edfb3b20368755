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
  init          Tạo tệp cấu hình có chú thích cho một trường và cơ sở dữ liệu
                của nó.
  assess        Tính kết quả theo Thông tư 22 cho từng học sinh (JSON Lines từ
                stdin ra stdout).
  demo          Trường mô phỏng + ba hệ thống mô phỏng + một lần đồng bộ đầy
                đủ, rồi in tóm tắt.
  simulate      Chạy ba hệ thống mô phỏng (vnEdu, CSDL ngành, cổng báo cáo)
                cho đến khi Ctrl-C hoặc SIGTERM.
  check         Kiểm tra kết nối và thông tin đăng nhập tới từng hệ thống đã
                cấu hình.
  sync          Đồng bộ một lần: đọc các hệ thống, lập kế hoạch theo quyền sở
                hữu dữ liệu, gửi đi.
  run           Chạy thường trực: đồng bộ và sao lưu theo lịch trong cấu hình,
                /metrics cho Prometheus; dừng bằng SIGTERM.
  worker        Chế độ phân tán: một tiến trình làm các việc trong hàng đợi
                (đồng bộ, đối chiếu, nộp báo cáo, sao lưu).
  scheduler     Chế độ phân tán: đưa các việc theo lịch trong cấu hình vào
                hàng đợi, trả lại việc của tiến trình đã chết.
  enqueue       Chế độ phân tán: thêm một việc vào hàng đợi bằng tay.
  match         Ghép học sinh vnEdu với học sinh CSDL (mã định danh, số định
                danh, họ tên + ngày sinh).
  reconcile     Đối chiếu mọi nguồn (sổ điểm, vnEdu, CSDL): mỗi khác biệt một
                dòng, bằng tiếng Việt.
  completeness  Mức độ đầy đủ: đầu điểm đã nhập so với Thông tư 22, rèn luyện,
                điểm danh, ai trễ hạn (Quy chế Suối Ngô).
  runs          Lịch sử các lần đồng bộ và kết quả.
  approve-run   Quản trị viên duyệt một lần chạy bị tạm giữ (ghi vào nhật ký
                kiểm toán).
  import        Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của
                giáo viên (tự nhận loại tệp).
  export        Ghi tệp để nhập vào CSDL ngành theo mẫu hiện hành, từ dữ liệu
                đã đối chiếu.
  login         Đăng nhập: mở một phiên 8 giờ cho các lệnh sau (lưu trong tệp
                chỉ mình đọc được).
  logout        Đăng xuất: phiên hiện tại hết hiệu lực.
  restore       Khôi phục một bản sao lưu vào cơ sở dữ liệu mới, chỉ chuyển
                sang khi đã kiểm tra khớp bản kê.
  serve         Chạy bảng điều khiển (trang web cho GVCN, Hiệu trưởng, CNTT và
                API JSON) cho đến khi Ctrl-C.
  db            Cơ sở dữ liệu của lienthong (SQLite mặc định, PostgreSQL khi
                cấu hình).
  audit         Nhật ký kiểm toán (chỉ ghi thêm, nối chuỗi băm).
  resolve       Xử lý khác biệt: GVCN đề xuất, Hiệu trưởng duyệt hoặc từ chối.
  users         Tài khoản người dùng (quản trị CNTT): thêm, đổi mật khẩu,
                khoá, liệt kê.
  classes       Lớp học và giáo viên chủ nhiệm (GVCN) của từng lớp.
  hocba         Học bạ số (XML): xuất từ dữ liệu, GVCN và Hiệu trưởng ký số,
                kiểm tra chữ ký, lập phiên bản sửa.
  backup        Sao lưu cơ sở dữ liệu vào một thư mục có bản kê SHA-256;
                `backup verify` kiểm tra một bản sao lưu.
  retention     Thời hạn lưu hồ sơ: ít nhất 5 năm sau khi học sinh tốt nghiệp
                hoặc chuyển trường.
  print         Sổ in (PDF, khổ A4) và chữ ký số PAdES trên sổ in.
  results       Kết quả học kỳ, cả năm của lớp: GVCN xác nhận, Hiệu trưởng
                duyệt hoặc mở lại (Quy chế Suối Ngô Điều 7).
  portal        Cổng báo cáo của Sở: nộp báo cáo chất lượng giáo dục (TK-CLGD)
                và chuyên cần (TK-CHUYENCAN).
  schools       Các trường của một hệ thống dùng chung (chế độ phân tán): đăng
                ký, xem song song.
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

  Chạy thường trực: đồng bộ và sao lưu theo lịch trong cấu hình, /metrics cho
  Prometheus; dừng bằng SIGTERM.

Options:
  --serve       Chạy cả bảng điều khiển trong cùng tiến trình.
  --host <str>  Địa chỉ của bảng điều khiển (với --serve).  [default:
                127.0.0.1]
  --port <int>  Cổng của bảng điều khiển (với --serve).  [default: 8100]
  --help        Show this message and exit.
""",
    "lienthong worker": """\
Usage: lienthong worker [OPTIONS]

  Chế độ phân tán: một tiến trình làm các việc trong hàng đợi (đồng bộ, đối
  chiếu, nộp báo cáo, sao lưu).

Options:
  --concurrency <int>  Số việc chạy cùng lúc (mặc định [engine] concurrency).
  --check              Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có sẵn sàng
                       không (mã thoát 0 hoặc 3).
  --help               Show this message and exit.
""",
    "lienthong scheduler": """\
Usage: lienthong scheduler [OPTIONS]

  Chế độ phân tán: đưa các việc theo lịch trong cấu hình vào hàng đợi, trả lại
  việc của tiến trình đã chết.

Options:
  --check  Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có sẵn sàng không (mã
           thoát 0 hoặc 3).
  --help   Show this message and exit.
""",
    "lienthong enqueue": """\
Usage: lienthong enqueue [OPTIONS] {what}

  Chế độ phân tán: thêm một việc vào hàng đợi bằng tay.

Arguments:
  what <str>  sync, reconcile, submit (nộp báo cáo lên cổng) hoặc backup.
              [required]

Options:
  --school <str>    Mã trường (8 chữ số).
  --platform <str>  Hệ thống cần đồng bộ (với sync), ví dụ vnedu.
  --full            Đồng bộ đầy đủ thay vì chỉ phần thay đổi (với sync).
  --help            Show this message and exit.
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
  --full            Tính lại mọi học sinh (mặc định chỉ tính lại học sinh có
                    dữ liệu thay đổi).
  --help            Show this message and exit.
""",
    "lienthong completeness": """\
Usage: lienthong completeness [OPTIONS]

  Mức độ đầy đủ: đầu điểm đã nhập so với Thông tư 22, rèn luyện, điểm danh, ai
  trễ hạn (Quy chế Suối Ngô).

  Mã thoát: 0 — không ai trễ hạn; 1 — có việc trễ hạn; 2 — lớp, học kỳ hoặc
  tham số sai, chưa có dữ liệu.

Options:
  --class <str>     Chỉ một lớp, ví dụ 9A1.
  --semester <str>  Học kỳ 1 hoặc 2; mặc định các học kỳ đã bắt đầu.
  --format <str>    table (trên màn hình) hoặc json.  [default: table]
  --help            Show this message and exit.
""",
    "lienthong runs": """\
Usage: lienthong runs [OPTIONS]

  Lịch sử các lần đồng bộ và kết quả.

Options:
  --limit <int>   Số lần chạy gần nhất.  [default: 20]
  --json          Mỗi lần chạy một đối tượng JSON trên một dòng.
  --installation  Việc của cả hệ thống, không của riêng trường nào (sao lưu
                  toàn bộ cơ sở dữ liệu ở chế độ phân tán).
  --help          Show this message and exit.
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
Usage: lienthong import [OPTIONS] {TỆP}...

  Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của giáo viên (tự
  nhận loại tệp).

  Báo từng trang (đã đọc, hoặc không đọc và vì sao), từng cột không dùng, từng
  dòng bị từ chối (trang, ô, giá trị, lý do). Khi có dữ liệu mới hoặc thay
  đổi, đối chiếu lại ngay và báo số khác biệt. Mã thoát: 0 đọc hết, 1 có dòng
  bị từ chối, 2 có tệp bị từ chối cả tệp.

Arguments:
  TỆP <list[Path]>  Một hay nhiều tệp Excel (.xlsx hoặc .xls).  [required]

Options:
  --kind <str>         vnedu-sodiem, vnedu-tonghop, csdl-hocsinh, csdl-ketqua,
                       gradebook; mặc định tự nhận ra.
  --school-year <str>  Năm học của tệp; mặc định năm học trong cấu hình.
  --semester <str>     1, 2 hoặc CN: tệp khác học kỳ này bị từ chối.
  --class <str>        Lớp: tệp có lớp khác bị từ chối.
  --subject <str>      Mã môn của sổ điểm cá nhân khi tiêu đề không ghi, ví dụ
                       TOAN.
  --map <str>          Cột của sổ điểm không tự nhận ra: "Miệng 1=TX1,Thi
                       HK=CK"; bài chia phần: "GK=GKTN+GKTH,CK=CKTN+CKTH"
                       (trang chia khác thì thêm sau dấu |:
                       "GK=GKTN+GKTH|GKTN"); cột không phải điểm:
                       "BT01=KHONG".
  --json               Mỗi tệp một đối tượng JSON trên một dòng.
  --dry-run            Chỉ đọc thử và báo những gì đọc được; không lưu gì.
  --no-reconcile       Không đối chiếu lại sau khi nhập (khi còn nhập tiếp
                       nhiều lô tệp).
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
    "lienthong restore": """\
Usage: lienthong restore [OPTIONS] {backup}

  Khôi phục một bản sao lưu vào cơ sở dữ liệu mới, chỉ chuyển sang khi đã kiểm
  tra khớp bản kê.

  Cần tài khoản Hiệu trưởng (--as), hoặc --yes cho kịch bản của bộ phận CNTT.
  Bản sao lưu hỏng bị từ chối, nêu tệp không khớp.

  Mã thoát: 0 — đã khôi phục; 2 — bản sao lưu hỏng hoặc đích đã có; 4 — tài
  khoản không được khôi phục.

Arguments:
  backup <path>  Thư mục sao lưu (lienthong-…).  [required]

Options:
  --to <str>  Cơ sở dữ liệu MỚI: đường dẫn tệp .db hoặc địa chỉ
              postgresql+psycopg://…  [required]
  --yes       Khôi phục theo kịch bản của bộ phận CNTT (không hỏi tài khoản).
  --help      Show this message and exit.
""",
    "lienthong serve": """\
Usage: lienthong serve [OPTIONS]

  Chạy bảng điều khiển (trang web cho GVCN, Hiệu trưởng, CNTT và API JSON) cho
  đến khi Ctrl-C.

Options:
  --host <str>  Địa chỉ lắng nghe (mặc định chỉ trên máy này).  [default:
                127.0.0.1]
  --port <int>  Cổng của bảng điều khiển.  [default: 8100]
  --help        Show this message and exit.
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
  verify  Kiểm tra nhật ký kiểm toán (của trường hoặc mọi trường, và của cả hệ
          thống): phát hiện mục bị sửa, xoá.
""",
    "lienthong audit verify": """\
Usage: lienthong audit verify [OPTIONS]

  Kiểm tra nhật ký kiểm toán (của trường hoặc mọi trường, và của cả hệ thống):
  phát hiện mục bị sửa, xoá.

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

  Sửa kết quả của lớp đã từng được duyệt cần ghi người chứng kiến: --board và
  --gvcn.

Arguments:
  discrepancy_id <str>  Mã khác biệt.  [required]

Options:
  --reason <str>  Ghi chú khi duyệt.
  --board <str>   Thành viên Ban quản trị chứng kiến việc sửa (tên đăng nhập
                  hoặc họ tên; Quy chế Suối Ngô, Điều 9).
  --gvcn <str>    GVCN của lớp chứng kiến việc sửa (tên đăng nhập hoặc họ
                  tên).
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
                         parent, so_gddt.  [required]
  --class <list[str]>    Lớp phụ trách (GVCN, giáo viên bộ môn); lặp lại.
  --subject <list[str]>  Môn (giáo viên bộ môn, tổ trưởng); lặp lại.
  --student <list[str]>  Mã học sinh (cha mẹ học sinh).
  --school <list[str]>   Trường của tài khoản (mã 8 chữ số; bắt buộc khi CSDL
                         có nhiều trường); cán bộ Sở GD&ĐT: các trường phụ
                         trách, lặp lại, hoặc '*' cho mọi trường.
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
    "lienthong hocba": """\
Usage: lienthong hocba [OPTIONS] COMMAND [ARGS]...

  Học bạ số (XML): xuất từ dữ liệu, GVCN và Hiệu trưởng ký số, kiểm tra chữ
  ký, lập phiên bản sửa.

Options:
  --help  Show this message and exit.

Commands:
  export   Xuất học bạ năm học hiện tại của một lớp (XML, kiểm tra theo
           hocba.xsd), tính theo Thông tư 22.
  sign     Ký số học bạ bằng tài khoản đang dùng: GVCN ký năm học của lớp
           mình, Hiệu trưởng ký toàn bộ (sau GVCN).
  verify   Kiểm tra chữ ký số: ai ký, lúc nào, chữ ký phủ phần nào, có gì bị
           thay đổi sau khi ký.
  correct  Hiệu trưởng duyệt sửa học bạ đã ký: lập phiên bản mới từ dữ liệu
           hiện tại, ghi từng thay đổi.
""",
    "lienthong hocba export": """\
Usage: lienthong hocba export [OPTIONS]

  Xuất học bạ năm học hiện tại của một lớp (XML, kiểm tra theo hocba.xsd),
  tính theo Thông tư 22.

  Học sinh đã có học bạ trong thư mục: thêm năm học mới thành phiên bản mới;
  năm học đã ký không bị ghi đè (sửa bằng `lienthong hocba correct`).

  Mã thoát: 0 — đã xuất cả lớp; 1 — có học sinh chưa xuất được (thiếu dữ liệu,
  nêu lý do); 2 — không xuất được ai.

Options:
  --class <str>  Lớp, ví dụ 9A1.  [required]
  --out <path>   Thư mục ghi học bạ (mỗi học sinh một tệp MÃ_ĐỊNH_DANH-
                 vN.xml).  [required]
  --help         Show this message and exit.
""",
    "lienthong hocba sign": """\
Usage: lienthong hocba sign [OPTIONS] {path}

  Ký số học bạ bằng tài khoản đang dùng: GVCN ký năm học của lớp mình, Hiệu
  trưởng ký toàn bộ (sau GVCN).

  Khoá ký là tệp PKCS#12 khai báo trong [records] signing_keys cho tài khoản;
  mật khẩu khoá đặt ở biến môi trường LIENTHONG_KEY_PASSWORD_<TÊN_ĐĂNG_NHẬP>
  hoặc LIENTHONG_KEY_PASSWORD.

  Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — tài khoản không
  được ký phần này.

Arguments:
  path <path>  Tệp học bạ XML.  [required]

Options:
  --year <str>  Năm học GVCN ký (mặc định: năm học của lớp mình chưa ký).
  --help        Show this message and exit.
""",
    "lienthong hocba verify": """\
Usage: lienthong hocba verify [OPTIONS] {paths}...

  Kiểm tra chữ ký số: ai ký, lúc nào, chữ ký phủ phần nào, có gì bị thay đổi
  sau khi ký.

  Mã thoát: 0 — mọi chữ ký hợp lệ và tin cậy; 1 — có chữ ký hỏng, thiếu hoặc
  chứng thư không tin cậy; 2 — tệp không phải học bạ hợp lệ (hoặc có nội dung
  nguy hiểm như XXE) nên không đọc.

Arguments:
  paths... <list[Path]>  Một hay nhiều tệp học bạ XML.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong hocba correct": """\
Usage: lienthong hocba correct [OPTIONS] {path}

  Hiệu trưởng duyệt sửa học bạ đã ký: lập phiên bản mới từ dữ liệu hiện tại,
  ghi từng thay đổi.

  Bản đã ký không bị sửa; phiên bản mới ghi số phiên bản, mã SHA-256 của bản
  cũ, mục thay đổi (giá trị cũ, mới, lý do, người duyệt) và cần GVCN rồi Hiệu
  trưởng ký lại.

  Mã thoát: 0 — đã lập phiên bản mới; 2 — không có gì thay đổi hoặc tệp không
  dùng được; 4 — không phải Hiệu trưởng.

Arguments:
  path <path>  Học bạ đã ký (phiên bản mới nhất).  [required]

Options:
  --reason <str>  Lý do sửa, ví dụ «chấm phúc khảo môn Toán».  [required]
  --help          Show this message and exit.
""",
    "lienthong backup": """\
Usage: lienthong backup [OPTIONS] COMMAND [ARGS]...

  Sao lưu cơ sở dữ liệu vào một thư mục có bản kê SHA-256; `backup verify`
  kiểm tra một bản sao lưu.

Options:
  --to <path>  Thư mục đặt bản sao lưu (mặc định: [records] archive_dir).
  --help       Show this message and exit.

Commands:
  verify  Kiểm tra một bản sao lưu mà không khôi phục: từng tệp theo SHA-256,
          từng bảng theo bản kê.
""",
    "lienthong backup verify": """\
Usage: lienthong backup verify [OPTIONS] {backup}

  Kiểm tra một bản sao lưu mà không khôi phục: từng tệp theo SHA-256, từng
  bảng theo bản kê.

  Mã thoát: 0 — nguyên vẹn; 2 — hỏng (nêu tệp không khớp).

Arguments:
  backup <path>  Thư mục sao lưu (lienthong-…).  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong retention": """\
Usage: lienthong retention [OPTIONS] COMMAND [ARGS]...

  Thời hạn lưu hồ sơ: ít nhất 5 năm sau khi học sinh tốt nghiệp hoặc chuyển
  trường.

Options:
  --help  Show this message and exit.

Commands:
  report  Học sinh đã rời trường hoặc tốt nghiệp, và ngày hồ sơ của từng em
          được phép xoá.
  purge   Xoá hồ sơ học sinh đã hết thời hạn lưu (quản trị CNTT hoặc Hiệu
          trưởng; ghi nhật ký kiểm toán).
""",
    "lienthong retention report": """\
Usage: lienthong retention report [OPTIONS]

  Học sinh đã rời trường hoặc tốt nghiệp, và ngày hồ sơ của từng em được phép
  xoá.

Options:
  --json  Mỗi học sinh một đối tượng JSON trên một dòng.
  --help  Show this message and exit.
""",
    "lienthong retention purge": """\
Usage: lienthong retention purge [OPTIONS] {students}...

  Xoá hồ sơ học sinh đã hết thời hạn lưu (quản trị CNTT hoặc Hiệu trưởng; ghi
  nhật ký kiểm toán).

  Mã thoát: 0 — đã xoá; 4 — bị từ chối vì chưa hết thời hạn lưu (không xoá gì)
  hoặc tài khoản không có quyền.

Arguments:
  students... <list[str]>  Mã học sinh (của hồ sơ trường) cần xoá.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong print": """\
Usage: lienthong print [OPTIONS] COMMAND [ARGS]...

  Sổ in (PDF, khổ A4) và chữ ký số PAdES trên sổ in.

Options:
  --help  Show this message and exit.

Commands:
  hocba        In học bạ năm học hiện tại của một lớp: PDF khổ A4, mỗi học
               sinh một trang.
  sign         Ký số PAdES một sổ in bằng tài khoản đang dùng (GVCN, giáo viên
               bộ môn, Hiệu trưởng); giữ chữ ký trước.
  verify       Kiểm tra chữ ký số PAdES của một sổ in: ai ký, lúc nào, có gì
               bị sửa sau khi ký.
  so-theo-doi  In sổ theo dõi và đánh giá học sinh của một lớp, một học kỳ
               hoặc cả năm (PDF, A4 ngang).
  so-dang-bo   In sổ đăng bộ của trường (hoặc các lớp chọn): PDF, A4 ngang.
""",
    "lienthong print hocba": """\
Usage: lienthong print hocba [OPTIONS]

  In học bạ năm học hiện tại của một lớp: PDF khổ A4, mỗi học sinh một trang.

  Mã thoát: 0 — đã in cả lớp; 1 — có học sinh chưa in được (nêu lý do); 2 —
  không in được.

Options:
  --class <str>  Lớp, ví dụ 9A1.  [required]
  --out <path>   Tệp PDF sẽ ghi.  [required]
  --sign         Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite    Ghi đè tệp --out đã có.
  --help         Show this message and exit.
""",
    "lienthong print sign": """\
Usage: lienthong print sign [OPTIONS] {path}

  Ký số PAdES một sổ in bằng tài khoản đang dùng (GVCN, giáo viên bộ môn, Hiệu
  trưởng); giữ chữ ký trước.

  Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — cần tài khoản.

Arguments:
  path <path>  Tệp PDF đã in.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong print verify": """\
Usage: lienthong print verify [OPTIONS] {path}

  Kiểm tra chữ ký số PAdES của một sổ in: ai ký, lúc nào, có gì bị sửa sau khi
  ký.

  Mã thoát: 0 — mọi chữ ký hợp lệ; 1 — chữ ký hỏng, không tin cậy hoặc chưa có
  chữ ký; 2 — tệp không đọc được.

Arguments:
  path <path>  Tệp PDF đã ký.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong print so-theo-doi": """\
Usage: lienthong print so-theo-doi [OPTIONS]

  In sổ theo dõi và đánh giá học sinh của một lớp, một học kỳ hoặc cả năm
  (PDF, A4 ngang).

Options:
  --class <str>     Lớp, ví dụ 9A1.  [required]
  --semester <str>  1, 2 hoặc CN (cả năm).  [required]
  --out <path>      Tệp PDF sẽ ghi.  [required]
  --sign            Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite       Ghi đè tệp --out đã có.
  --help            Show this message and exit.
""",
    "lienthong print so-dang-bo": """\
Usage: lienthong print so-dang-bo [OPTIONS]

  In sổ đăng bộ của trường (hoặc các lớp chọn): PDF, A4 ngang.

Options:
  --out <path>         Tệp PDF sẽ ghi.  [required]
  --class <list[str]>  Chỉ các lớp này (lặp lại); mặc định cả trường.
  --sign               Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite          Ghi đè tệp --out đã có.
  --help               Show this message and exit.
""",
    "lienthong results": """\
Usage: lienthong results [OPTIONS] COMMAND [ARGS]...

  Kết quả học kỳ, cả năm của lớp: GVCN xác nhận, Hiệu trưởng duyệt hoặc mở lại
  (Quy chế Suối Ngô Điều 7).

Options:
  --help  Show this message and exit.

Commands:
  status   Trạng thái kết quả của từng lớp: chưa xác nhận, GVCN đã xác nhận,
           Hiệu trưởng đã duyệt.
  confirm  GVCN xác nhận kết quả của lớp mình: chuyên cần, chuyển trường, rèn
           luyện, lên lớp, danh hiệu, kiểm tra lại.
  approve  Hiệu trưởng duyệt đúng kết quả GVCN đã xác nhận; kết quả cả năm chỉ
           được gửi đi sau khi duyệt.
  reopen   Hiệu trưởng mở lại kết quả đã xác nhận hoặc đã duyệt (bắt buộc ghi
           lý do); GVCN xác nhận lại.
""",
    "lienthong results status": """\
Usage: lienthong results status [OPTIONS]

  Trạng thái kết quả của từng lớp: chưa xác nhận, GVCN đã xác nhận, Hiệu
  trưởng đã duyệt.

  Mã thoát: 0 — xong; 2 — lớp, kỳ hoặc tham số sai; 4 — tài khoản không xem
  được lớp này.

Options:
  --class <str>   Chỉ một lớp, ví dụ 9A1.
  --period <str>  HK1, HK2 hoặc CN (cả năm); mặc định cả ba.
  --format <str>  table (trên màn hình) hoặc json.  [default: table]
  --help          Show this message and exit.
""",
    "lienthong results confirm": """\
Usage: lienthong results confirm [OPTIONS]

  GVCN xác nhận kết quả của lớp mình: chuyên cần, chuyển trường, rèn luyện,
  lên lớp, danh hiệu, kiểm tra lại.

  Mã thoát: 0 — đã xác nhận; 2 — lớp hoặc kỳ sai; 4 — không phải GVCN của lớp,
  hoặc kết quả đã duyệt.

Options:
  --class <str>   Lớp, ví dụ 9A1.  [required]
  --period <str>  HK1, HK2 hoặc CN (cả năm).  [required]
  --help          Show this message and exit.
""",
    "lienthong results approve": """\
Usage: lienthong results approve [OPTIONS]

  Hiệu trưởng duyệt đúng kết quả GVCN đã xác nhận; kết quả cả năm chỉ được gửi
  đi sau khi duyệt.

  Mã thoát: 0 — đã duyệt; 2 — lớp hoặc kỳ sai; 4 — không phải Hiệu trưởng,
  chưa xác nhận, hoặc dữ liệu đã đổi.

Options:
  --class <str>   Lớp, ví dụ 9A1.  [required]
  --period <str>  HK1, HK2 hoặc CN (cả năm).  [required]
  --help          Show this message and exit.
""",
    "lienthong results reopen": """\
Usage: lienthong results reopen [OPTIONS]

  Hiệu trưởng mở lại kết quả đã xác nhận hoặc đã duyệt (bắt buộc ghi lý do);
  GVCN xác nhận lại.

  Mã thoát: 0 — đã mở lại; 2 — thiếu lý do, lớp hoặc kỳ sai; 4 — không phải
  Hiệu trưởng.

Options:
  --class <str>   Lớp, ví dụ 9A1.  [required]
  --period <str>  HK1, HK2 hoặc CN (cả năm).  [required]
  --reason <str>  Lý do mở lại (ghi vào nhật ký kiểm toán).  [required]
  --help          Show this message and exit.
""",
    "lienthong portal": """\
Usage: lienthong portal [OPTIONS] COMMAND [ARGS]...

  Cổng báo cáo của Sở: nộp báo cáo chất lượng giáo dục (TK-CLGD) và chuyên cần
  (TK-CHUYENCAN).

Options:
  --help  Show this message and exit.

Commands:
  submit  Hiệu trưởng nộp báo cáo cho một yêu cầu của Sở: TK-CLGD hoặc TK-
          CHUYENCAN.
""",
    "lienthong portal submit": """\
Usage: lienthong portal submit [OPTIONS] {MA_YEU_CAU}

  Hiệu trưởng nộp báo cáo cho một yêu cầu của Sở: TK-CLGD hoặc TK-CHUYENCAN.

  TK-CLGD (chất lượng giáo dục): số liệu lấy từ kết quả đã được Hiệu trưởng
  duyệt của mọi lớp trong kỳ của yêu cầu (học kỳ I, II hoặc cả năm); còn lớp
  nào chưa duyệt thì không nộp và nêu tên các lớp đó. TK-CHUYENCAN (chuyên cần
  tháng): sĩ số, số buổi nghỉ có phép, không phép của tháng và số học sinh
  nghỉ quá 45 buổi từ đầu năm học, lấy từ điểm danh của trường; chỉ nộp khi
  tháng đã kết thúc. TK-BIENDONG chưa lập được (các hệ thống không ghi ngày
  chuyển trường). Nộp lại cùng số liệu không tạo lần nộp thứ hai.

  Mã thoát: 0 — đã nộp (hoặc Sở đã nhận đúng số liệu này); 1 — Sở trả lại báo
  cáo; 2 — mã yêu cầu sai, mẫu chưa hỗ trợ hoặc chưa cấu hình cổng báo cáo; 3
  — cổng báo cáo không trả lời (sẽ gửi lại, không trùng); 4 — không phải Hiệu
  trưởng, còn lớp chưa duyệt, tháng chưa kết thúc, chưa có điểm danh, báo cáo
  đã khoá, hoặc đang có lần đồng bộ khác.

Arguments:
  MA_YEU_CAU <str>  Mã yêu cầu báo cáo của Sở, ví dụ YC20260001.  [required]

Options:
  --help  Show this message and exit.
""",
    "lienthong schools": """\
Usage: lienthong schools [OPTIONS] COMMAND [ARGS]...

  Các trường của một hệ thống dùng chung (chế độ phân tán): đăng ký, xem song
  song.

Options:
  --help  Show this message and exit.

Commands:
  add   Đăng ký (hoặc cập nhật) một trường; mật khẩu và khoá không lưu ở đây:
        biến LIENTHONG_<MÃ_TRƯỜNG>_…
  list  Các trường song song: mức đủ điểm, khác biệt đang mở, đồng bộ, việc
        chờ, nộp báo cáo đúng hạn.
""",
    "lienthong schools add": """\
Usage: lienthong schools add [OPTIONS] {ma_truong}

  Đăng ký (hoặc cập nhật) một trường; mật khẩu và khoá không lưu ở đây: biến
  LIENTHONG_<MÃ_TRƯỜNG>_…

Arguments:
  ma_truong <str>  Mã trường (8 chữ số).  [required]

Options:
  --name <str>           Tên trường.  [required]
  --tinh <str>           Mã tỉnh (2 chữ số).  [required]
  --xa <str>             Mã xã (5 chữ số).  [required]
  --vnedu-url <str>      Địa chỉ API vnEdu.
  --vnedu-client <str>   client_id đối tác vnEdu.
  --csdl-endpoint <str>  Địa chỉ dịch vụ CSDL ngành.
  --csdl-user <str>      Tài khoản CSDL ngành của trường.
  --portal-url <str>     Địa chỉ cổng báo cáo của Sở.
  --set <list[str]>      Thiết lập khác: HỆ_THỐNG.KHOÁ=GIÁ_TRỊ, ví dụ
                         vnedu.rate_limit=5.
  --help                 Show this message and exit.
""",
    "lienthong schools list": """\
Usage: lienthong schools list [OPTIONS]

  Các trường song song: mức đủ điểm, khác biệt đang mở, đồng bộ, việc chờ, nộp
  báo cáo đúng hạn.

  Với tài khoản (--as hoặc `lienthong login`): cán bộ Sở GD&ĐT xem các trường
  mình phụ trách.

Options:
  --format <str>  table hoặc json (mỗi trường một dòng).  [default: table]
  --sort <str>    ma_truong, name, completeness, discrepancies, sync, waiting,
                  dead hoặc on_time (kém nhất trước).  [default: ma_truong]
  --reverse       Đảo thứ tự sắp xếp (tốt nhất trước).
  --help          Show this message and exit.
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
