"""Every ``--help`` of ``lienthong`` as `cli.app` renders it on a terminal of `cli.main.HELP_COLUMNS`
columns or more, by command path: printed by `cli.main` without loading typer, click or pydantic.
Generated, not edited: after changing a command, an option or a summary, run
``python -m lienthong.cli.help_text`` (tests/cli/test_startup.py fails until then)."""

HELP: dict[str, str] = {
    "lienthong": """\
Cách dùng: lienthong [TÙY CHỌN] LỆNH [THAM SỐ]...

  lienthong — liên thông dữ liệu học sinh giữa nhà trường, vnEdu, CSDL ngành
  và cổng báo cáo của Sở.

Tùy chọn:
  --config <đường dẫn>  Tệp cấu hình TOML (mặc định: biến LIENTHONG_CONFIG).
                        [biến môi trường: LIENTHONG_CONFIG]
  --db <chuỗi>          Địa chỉ CSDL (mặc định sqlite:///./lienthong.db).
                        [biến môi trường: LIENTHONG_DATABASE_URL]
  --as <chuỗi>          Thực hiện bằng tài khoản này (hỏi mật khẩu; không có
                        bàn phím: đọc một dòng từ stdin).
  --help                Hiện hướng dẫn này rồi thoát.

Lệnh:
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
Cách dùng: lienthong init [TÙY CHỌN]

  Tạo tệp cấu hình có chú thích cho một trường và cơ sở dữ liệu của nó.

Tùy chọn:
  --ma-truong <chuỗi>  Mã trường (8 chữ số).  [bắt buộc]
  --file <đường dẫn>   Tệp cấu hình sẽ tạo.  [mặc định: lienthong.toml]
  --help               Hiện hướng dẫn này rồi thoát.
""",
    "lienthong assess": """\
Cách dùng: lienthong assess [TÙY CHỌN]

  Tính kết quả theo Thông tư 22 cho từng học sinh (JSON Lines từ stdin ra
  stdout).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong demo": """\
Cách dùng: lienthong demo [TÙY CHỌN]

  Trường mô phỏng + ba hệ thống mô phỏng + một lần đồng bộ đầy đủ, rồi in tóm
  tắt.

Tùy chọn:
  --seed <số nguyên>      Hạt giống sinh trường mô phỏng.  [mặc định: 1]
  --students <số nguyên>  Số học sinh của trường mô phỏng.  [mặc định: 2000]
  --wait / --no-wait      Giữ các hệ thống mô phỏng chạy sau khi đồng bộ.
                          [mặc định: wait]
  --help                  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong simulate": """\
Cách dùng: lienthong simulate [TÙY CHỌN]

  Chạy ba hệ thống mô phỏng (vnEdu, CSDL ngành, cổng báo cáo) cho đến khi
  Ctrl-C hoặc SIGTERM.

Tùy chọn:
  --seed <số nguyên>      Hạt giống sinh trường mô phỏng.  [mặc định: 1]
  --students <số nguyên>  Số học sinh của trường mô phỏng.  [mặc định: 2000]
  --faults <chuỗi>        Hồ sơ lỗi: none, flaky hoặc hostile.  [mặc định:
                          none]
  --host <chuỗi>          Địa chỉ lắng nghe (chỉ nên là loopback).  [mặc định:
                          127.0.0.1]
  --port <chuỗi>…         Cổng của một hệ thống, dạng TÊN=CỔNG (0: tự chọn
                          cổng trống), lặp lại cho từng hệ thống; mặc định
                          vnedu=8101, csdl=8102, portal=8103.
  --manifest <đường dẫn>  Ghi bản kê các khác biệt đã cài vào tệp JSON này.
  --files <đường dẫn>     Chỉ ghi bộ tệp Excel của trường (vnEdu, CSDL, sổ
                          điểm giáo viên) vào thư mục này rồi dừng, không chạy
                          dịch vụ.
  --today <chuỗi>         Ngày của trường mô phỏng (YYYY-MM-DD), ví dụ cuối
                          năm học để có kết quả cả năm; mặc định hôm nay.
  --help                  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong check": """\
Cách dùng: lienthong check [TÙY CHỌN]

  Kiểm tra kết nối và thông tin đăng nhập tới từng hệ thống đã cấu hình.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong read-file": """\
Cách dùng: lienthong read-file [TÙY CHỌN] {path}

  Như `lienthong import --dry-run`: đọc thử một tệp, không lưu gì.

Tham số:
  path <đường dẫn>  Tệp Excel (.xlsx hoặc .xls).  [bắt buộc]

Tùy chọn:
  --kind <chuỗi>                  Loại tệp, như với `import`.
  --school-year, --nam-hoc <chuỗi>
                                  Năm học mong đợi.
  --semester, --hoc-ky <chuỗi>    Học kỳ mong đợi: 1, 2 hoặc CN.
  --subject, --mon <chuỗi>        Mã môn (sổ điểm), ví dụ TOAN.
  --class, --lop <chuỗi>          Lớp mong đợi, ví dụ 6A1.
  --map <chuỗi>                   Cột của sổ điểm không tự nhận ra.
  --help                          Hiện hướng dẫn này rồi thoát.
""",
    "lienthong sync": """\
Cách dùng: lienthong sync [TÙY CHỌN]

  Đồng bộ một lần: đọc các hệ thống, lập kế hoạch theo quyền sở hữu dữ liệu,
  gửi đi.

Tùy chọn:
  --once               Chạy một lần rồi dừng (lịch tự động: `lienthong run`).
                       [mặc định: True]
  --platform <chuỗi>…  Chỉ đồng bộ hệ thống này (lặp lại được).
  --full               Đọc toàn bộ thay vì chỉ phần thay đổi.
  --dry-run            Chỉ cho xem kế hoạch gửi; không ghi gì ở đâu cả.
  --json               Mỗi sự kiện một đối tượng JSON trên một dòng.
  --help               Hiện hướng dẫn này rồi thoát.
""",
    "lienthong run": """\
Cách dùng: lienthong run [TÙY CHỌN]

  Chạy thường trực: đồng bộ và sao lưu theo lịch trong cấu hình, /metrics cho
  Prometheus; dừng bằng SIGTERM.

Tùy chọn:
  --serve             Chạy cả bảng điều khiển trong cùng tiến trình.
  --host <chuỗi>      Địa chỉ của bảng điều khiển (với --serve).  [mặc định:
                      127.0.0.1]
  --port <số nguyên>  Cổng của bảng điều khiển (với --serve).  [mặc định:
                      8100]
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong worker": """\
Cách dùng: lienthong worker [TÙY CHỌN]

  Chế độ phân tán: một tiến trình làm các việc trong hàng đợi (đồng bộ, đối
  chiếu, nộp báo cáo, sao lưu).

Tùy chọn:
  --concurrency <số nguyên>  Số việc chạy cùng lúc (mặc định [engine]
                             concurrency).
  --check                    Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có
                             sẵn sàng không (mã thoát 0 hoặc 3).
  --help                     Hiện hướng dẫn này rồi thoát.
""",
    "lienthong scheduler": """\
Cách dùng: lienthong scheduler [TÙY CHỌN]

  Chế độ phân tán: đưa các việc theo lịch trong cấu hình vào hàng đợi, trả lại
  việc của tiến trình đã chết.

Tùy chọn:
  --check  Chỉ kiểm tra cơ sở dữ liệu và hàng đợi việc có sẵn sàng không (mã
           thoát 0 hoặc 3).
  --help   Hiện hướng dẫn này rồi thoát.
""",
    "lienthong enqueue": """\
Cách dùng: lienthong enqueue [TÙY CHỌN] {what}

  Chế độ phân tán: thêm một việc vào hàng đợi bằng tay.

Tham số:
  what <chuỗi>  sync, reconcile, submit (nộp báo cáo lên cổng) hoặc backup.
                [bắt buộc]

Tùy chọn:
  --school <chuỗi>    Mã trường (8 chữ số).
  --platform <chuỗi>  Hệ thống cần đồng bộ (với sync), ví dụ vnedu.
  --full              Đồng bộ đầy đủ thay vì chỉ phần thay đổi (với sync).
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong match": """\
Cách dùng: lienthong match [TÙY CHỌN]

  Ghép học sinh vnEdu với học sinh CSDL (mã định danh, số định danh, họ tên +
  ngày sinh).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong reconcile": """\
Cách dùng: lienthong reconcile [TÙY CHỌN]

  Đối chiếu mọi nguồn (sổ điểm, vnEdu, CSDL): mỗi khác biệt một dòng, bằng
  tiếng Việt.

  Báo cả những phần chưa đối chiếu được và lý do (chỉ có một nguồn, chưa có dữ
  liệu điểm danh…).

  Mã thoát: 0 — các phần đã đối chiếu đều khớp; 1 — có khác biệt cần xem; 2 —
  không đối chiếu được hai nguồn nào với nhau (chưa có dữ liệu, hoặc chỉ có
  một nguồn), hoặc tham số sai.

Tùy chọn:
  --format <chuỗi>       table (trên màn hình), json (JSON Lines), html, xlsx
                         hoặc pdf (báo cáo).  [mặc định: table]
  --class <chuỗi>        Chỉ một lớp, ví dụ 6A1 (báo cáo cho GVCN).
  --out <đường dẫn>      Ghi kết quả vào tệp này (bắt buộc với xlsx, pdf).
  --summary <đường dẫn>  Ghi bản tóm tắt (JSON) vào tệp này thay vì stderr.
  --overwrite            Ghi đè tệp --out/--summary đã có.
  --full                 Tính lại mọi học sinh (mặc định chỉ tính lại học sinh
                         có dữ liệu thay đổi).
  --help                 Hiện hướng dẫn này rồi thoát.
""",
    "lienthong completeness": """\
Cách dùng: lienthong completeness [TÙY CHỌN]

  Mức độ đầy đủ: đầu điểm đã nhập so với Thông tư 22, rèn luyện, điểm danh, ai
  trễ hạn (Quy chế Suối Ngô).

  Mã thoát: 0 — không ai trễ hạn; 1 — có việc trễ hạn; 2 — lớp, học kỳ hoặc
  tham số sai, chưa có dữ liệu.

Tùy chọn:
  --class <chuỗi>     Chỉ một lớp, ví dụ 9A1.
  --semester <chuỗi>  Học kỳ 1 hoặc 2; mặc định các học kỳ đã bắt đầu.
  --format <chuỗi>    table (trên màn hình) hoặc json.  [mặc định: table]
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong runs": """\
Cách dùng: lienthong runs [TÙY CHỌN]

  Lịch sử các lần đồng bộ và kết quả.

Tùy chọn:
  --limit <số nguyên>  Số lần chạy gần nhất.  [mặc định: 20]
  --json               Mỗi lần chạy một đối tượng JSON trên một dòng.
  --installation       Việc của cả hệ thống, không của riêng trường nào (sao
                       lưu toàn bộ cơ sở dữ liệu ở chế độ phân tán).
  --help               Hiện hướng dẫn này rồi thoát.
""",
    "lienthong approve-run": """\
Cách dùng: lienthong approve-run [TÙY CHỌN] {run_id}

  Quản trị viên duyệt một lần chạy bị tạm giữ (ghi vào nhật ký kiểm toán).

Tham số:
  run_id <số nguyên>  Số của lần chạy đang tạm giữ.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong import": """\
Cách dùng: lienthong import [TÙY CHỌN] {TỆP}...

  Nhập tệp Excel xuất từ vnEdu, CSDL ngành, hoặc sổ điểm của giáo viên (tự
  nhận loại tệp).

  Báo từng trang (đã đọc, hoặc không đọc và vì sao), từng cột không dùng, từng
  dòng bị từ chối (trang, ô, giá trị, lý do). Khi có dữ liệu mới hoặc thay
  đổi, đối chiếu lại ngay và báo số khác biệt. Mã thoát: 0 đọc hết, 1 có dòng
  bị từ chối hoặc điểm chưa nhập vì chờ --map (bài kiểm tra chia phần), 2 có
  tệp bị từ chối cả tệp.

Tham số:
  TỆP <đường dẫn>…  Một hay nhiều tệp Excel (.xlsx hoặc .xls).  [bắt buộc]

Tùy chọn:
  --kind <chuỗi>         vnedu-sodiem, vnedu-tonghop, vnedu-nenep, csdl-
                         hocsinh, csdl-ketqua, gradebook; mặc định tự nhận ra.
  --school-year <chuỗi>  Năm học của tệp; mặc định năm học trong cấu hình.
  --semester <chuỗi>     1, 2 hoặc CN: tệp khác học kỳ này bị từ chối.
  --class <chuỗi>        Lớp: tệp có lớp khác bị từ chối.
  --subject <chuỗi>      Mã môn của sổ điểm cá nhân khi tiêu đề không ghi, ví
                         dụ TOAN.
  --map <chuỗi>          Cột của sổ điểm không tự nhận ra: "Miệng 1=TX1,Thi
                         HK=CK"; bài chia phần: "GK=GKTN+GKTH,CK=CKTN+CKTH"
                         (trang chia khác thì thêm sau dấu |:
                         "GK=GKTN+GKTH|GKTN"); cột không phải điểm:
                         "BT01=KHONG".
  --json                 Mỗi tệp một đối tượng JSON trên một dòng.
  --dry-run              Chỉ đọc thử và báo những gì đọc được; không lưu gì.
  --no-reconcile         Không đối chiếu lại sau khi nhập (khi còn nhập tiếp
                         nhiều lô tệp).
  --help                 Hiện hướng dẫn này rồi thoát.
""",
    "lienthong export": """\
Cách dùng: lienthong export [TÙY CHỌN] {what}

  Ghi tệp để nhập vào CSDL ngành theo mẫu hiện hành, từ dữ liệu đã đối chiếu.

Tham số:
  what <chuỗi>  csdl-ketqua (kết quả học tập) hoặc csdl-hocsinh (danh sách học
                sinh).  [bắt buộc]

Tùy chọn:
  --out <đường dẫn>   Tệp .xlsx sẽ ghi.  [bắt buộc]
  --semester <chuỗi>  1, 2 hoặc CN (bắt buộc với csdl-ketqua).
  --class <chuỗi>     Chỉ một lớp, ví dụ 6A1.
  --force             Xuất dù còn khác biệt về điểm/danh tính (ghi nhật ký
                      kiểm toán).
  --overwrite         Ghi đè tệp --out đã có.
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong import-gradebook": """\
Cách dùng: lienthong import-gradebook [TÙY CHỌN] {path}

  Nhập sổ điểm của giáo viên (như `lienthong import --kind gradebook`).

Tham số:
  path <đường dẫn>  Sổ điểm (.xlsx hoặc .xls).  [bắt buộc]

Tùy chọn:
  --subject, --mon <chuỗi>      Mã môn, ví dụ TOAN.  [bắt buộc]
  --semester, --hoc-ky <chuỗi>  Học kỳ 1 hoặc 2.  [mặc định: 1]
  --map <chuỗi>                 Vị trí cột khi không tự nhận ra.
  --help                        Hiện hướng dẫn này rồi thoát.
""",
    "lienthong login": """\
Cách dùng: lienthong login [TÙY CHỌN] {name}

  Đăng nhập: mở một phiên 8 giờ cho các lệnh sau (lưu trong tệp chỉ mình đọc
  được).

Tham số:
  name <chuỗi>  Tên đăng nhập.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong logout": """\
Cách dùng: lienthong logout [TÙY CHỌN]

  Đăng xuất: phiên hiện tại hết hiệu lực.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong restore": """\
Cách dùng: lienthong restore [TÙY CHỌN] {backup}

  Khôi phục một bản sao lưu vào cơ sở dữ liệu mới, chỉ chuyển sang khi đã kiểm
  tra khớp bản kê.

  Cần tài khoản Hiệu trưởng (--as), hoặc --yes cho kịch bản của bộ phận CNTT.
  Bản sao lưu hỏng bị từ chối, nêu tệp không khớp.

  Mã thoát: 0 — đã khôi phục; 2 — bản sao lưu hỏng hoặc đích đã có; 4 — tài
  khoản không được khôi phục.

Tham số:
  backup <đường dẫn>  Thư mục sao lưu (lienthong-…).  [bắt buộc]

Tùy chọn:
  --to <chuỗi>  Cơ sở dữ liệu MỚI: đường dẫn tệp .db hoặc địa chỉ
                postgresql+psycopg://…  [bắt buộc]
  --yes         Khôi phục theo kịch bản của bộ phận CNTT (không hỏi tài
                khoản).
  --help        Hiện hướng dẫn này rồi thoát.
""",
    "lienthong serve": """\
Cách dùng: lienthong serve [TÙY CHỌN]

  Chạy bảng điều khiển (trang web cho GVCN, Hiệu trưởng, CNTT và API JSON) cho
  đến khi Ctrl-C.

Tùy chọn:
  --host <chuỗi>      Địa chỉ lắng nghe (mặc định chỉ trên máy này).  [mặc
                      định: 127.0.0.1]
  --port <số nguyên>  Cổng của bảng điều khiển.  [mặc định: 8100]
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong db": """\
Cách dùng: lienthong db [TÙY CHỌN] LỆNH [THAM SỐ]...

  Cơ sở dữ liệu của lienthong (SQLite mặc định, PostgreSQL khi cấu hình).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  upgrade  Tạo hoặc nâng cấp lược đồ CSDL lên phiên bản mới nhất (Alembic).
""",
    "lienthong db upgrade": """\
Cách dùng: lienthong db upgrade [TÙY CHỌN]

  Tạo hoặc nâng cấp lược đồ CSDL lên phiên bản mới nhất (Alembic).

Tùy chọn:
  --url <chuỗi>  Địa chỉ CSDL; mặc định lấy từ cấu hình.
  --help         Hiện hướng dẫn này rồi thoát.
""",
    "lienthong audit": """\
Cách dùng: lienthong audit [TÙY CHỌN] LỆNH [THAM SỐ]...

  Nhật ký kiểm toán (chỉ ghi thêm, nối chuỗi băm).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  verify  Kiểm tra nhật ký kiểm toán (của trường hoặc mọi trường, và của cả hệ
          thống): phát hiện mục bị sửa, xoá.
""",
    "lienthong audit verify": """\
Cách dùng: lienthong audit verify [TÙY CHỌN]

  Kiểm tra nhật ký kiểm toán (của trường hoặc mọi trường, và của cả hệ thống):
  phát hiện mục bị sửa, xoá.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong resolve": """\
Cách dùng: lienthong resolve [TÙY CHỌN] LỆNH [THAM SỐ]...

  Xử lý khác biệt: GVCN đề xuất, Hiệu trưởng duyệt hoặc từ chối.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  propose  GVCN đề xuất giá trị đúng; sửa điểm/kết quả cần Hiệu trưởng duyệt
           trước khi gửi đi.
  approve  Hiệu trưởng duyệt đề xuất (người đề xuất không tự duyệt); điểm sửa
           được gửi ở lần đồng bộ tới (trường chỉ nhập tệp: sửa ở nguồn còn
           ghi sai rồi nhập lại tệp).
  reject   Hiệu trưởng từ chối đề xuất; khác biệt trở lại cho GVCN.
  show     Khác biệt, người phụ trách và các bước xử lý.
""",
    "lienthong resolve propose": """\
Cách dùng: lienthong resolve propose [TÙY CHỌN] {discrepancy_id}

  GVCN đề xuất giá trị đúng; sửa điểm/kết quả cần Hiệu trưởng duyệt trước khi
  gửi đi.

Tham số:
  discrepancy_id <chuỗi>  Mã khác biệt (cột id của `lienthong reconcile
                          --format json`).  [bắt buộc]

Tùy chọn:
  --value <chuỗi>   Giá trị đúng, ví dụ 7,5 hoặc Đ.  [bắt buộc]
  --reason <chuỗi>  Lý do, ví dụ «đối chiếu bài kiểm tra gốc».  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong resolve approve": """\
Cách dùng: lienthong resolve approve [TÙY CHỌN] {discrepancy_id}

  Hiệu trưởng duyệt đề xuất (người đề xuất không tự duyệt); điểm sửa được gửi
  ở lần đồng bộ tới (trường chỉ nhập tệp: sửa ở nguồn còn ghi sai rồi nhập lại
  tệp).

  Sửa kết quả của lớp đã từng được duyệt cần ghi người chứng kiến: --board và
  --gvcn.

Tham số:
  discrepancy_id <chuỗi>  Mã khác biệt.  [bắt buộc]

Tùy chọn:
  --reason <chuỗi>  Ghi chú khi duyệt.
  --board <chuỗi>   Thành viên Ban quản trị chứng kiến việc sửa (tên đăng nhập
                    hoặc họ tên; Quy chế Suối Ngô, Điều 9).
  --gvcn <chuỗi>    GVCN của lớp chứng kiến việc sửa (tên đăng nhập hoặc họ
                    tên).
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong resolve reject": """\
Cách dùng: lienthong resolve reject [TÙY CHỌN] {discrepancy_id}

  Hiệu trưởng từ chối đề xuất; khác biệt trở lại cho GVCN.

Tham số:
  discrepancy_id <chuỗi>  Mã khác biệt.  [bắt buộc]

Tùy chọn:
  --reason <chuỗi>  Lý do từ chối.  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong resolve show": """\
Cách dùng: lienthong resolve show [TÙY CHỌN] {discrepancy_id}

  Khác biệt, người phụ trách và các bước xử lý.

Tham số:
  discrepancy_id <chuỗi>  Mã khác biệt.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users": """\
Cách dùng: lienthong users [TÙY CHỌN] LỆNH [THAM SỐ]...

  Tài khoản người dùng (quản trị CNTT): thêm, đổi mật khẩu, khoá, liệt kê.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
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
Cách dùng: lienthong users add [TÙY CHỌN] {login}

  Thêm tài khoản (tài khoản đầu tiên: it hoặc principal, không cần đăng nhập).

Tham số:
  login <chuỗi>  Tên đăng nhập (không phân biệt hoa thường).  [bắt buộc]

Tùy chọn:
  --name <chuỗi>      Họ và tên.  [bắt buộc]
  --role <chuỗi>      it, principal, board, department_head, gvcn, teacher,
                      parent, so_gddt.  [bắt buộc]
  --class <chuỗi>…    Lớp phụ trách (GVCN, giáo viên bộ môn); lặp lại.
  --subject <chuỗi>…  Môn (giáo viên bộ môn, tổ trưởng); lặp lại.
  --student <chuỗi>…  Mã học sinh (cha mẹ học sinh).
  --school <chuỗi>…   Trường của tài khoản (mã 8 chữ số; bắt buộc khi CSDL có
                      nhiều trường); cán bộ Sở GD&ĐT: các trường phụ trách,
                      lặp lại, hoặc '*' cho mọi trường.
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users delegate": """\
Cách dùng: lienthong users delegate [TÙY CHỌN] {login}

  Hiệu trưởng uỷ quyền (hoặc thu hồi) cho một thành viên Ban giám hiệu duyệt
  sửa điểm, kết quả.

Tham số:
  login <chuỗi>  Thành viên Ban giám hiệu (board).  [bắt buộc]

Tùy chọn:
  --revoke  Thu hồi quyền duyệt.
  --help    Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users passwd": """\
Cách dùng: lienthong users passwd [TÙY CHỌN] [login]

  Đổi mật khẩu (của mình, hoặc của người khác nếu là quản trị CNTT).

Tham số:
  login <chuỗi>  Tài khoản (mặc định: của mình).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users disable": """\
Cách dùng: lienthong users disable [TÙY CHỌN] {login}

  Khoá một tài khoản (quản trị CNTT).

Tham số:
  login <chuỗi>  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users enable": """\
Cách dùng: lienthong users enable [TÙY CHỌN] {login}

  Mở lại một tài khoản đã khoá (quản trị CNTT).

Tham số:
  login <chuỗi>  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users list": """\
Cách dùng: lienthong users list [TÙY CHỌN]

  Danh sách tài khoản, vai trò và phạm vi.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong users roles": """\
Cách dùng: lienthong users roles [TÙY CHỌN]

  Các vai trò.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong classes": """\
Cách dùng: lienthong classes [TÙY CHỌN] LỆNH [THAM SỐ]...

  Lớp học và giáo viên chủ nhiệm (GVCN) của từng lớp.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  list      Các lớp có trong dữ liệu, sĩ số, GVCN và GVCN lấy từ đâu (danh
            sách lớp hay đặt bằng lệnh).
  set-gvcn  Đặt GVCN của một lớp cho năm học hiện tại (quản trị CNTT hoặc Hiệu
            trưởng; ghi nhật ký kiểm toán).
""",
    "lienthong classes list": """\
Cách dùng: lienthong classes list [TÙY CHỌN]

  Các lớp có trong dữ liệu, sĩ số, GVCN và GVCN lấy từ đâu (danh sách lớp hay
  đặt bằng lệnh).

Tùy chọn:
  --json  Mỗi lớp một đối tượng JSON trên một dòng.
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong classes set-gvcn": """\
Cách dùng: lienthong classes set-gvcn [TÙY CHỌN] {class_code} {full_name}

  Đặt GVCN của một lớp cho năm học hiện tại (quản trị CNTT hoặc Hiệu trưởng;
  ghi nhật ký kiểm toán).

  Dùng khi danh sách lớp không có cột GVCN (trường chỉ có tệp Excel). Tên đặt
  ở đây được dùng thay cho tên trong danh sách lớp.

  Mã thoát: 0 — đã đặt; 2 — lớp hoặc tên không hợp lệ; 4 — tài khoản không có
  quyền.

Tham số:
  class_code <chuỗi>  Lớp, ví dụ 6A1.  [bắt buộc]
  full_name <chuỗi>   Họ và tên giáo viên chủ nhiệm, ví dụ "Nguyễn Thị Lan".
                      [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong hocba": """\
Cách dùng: lienthong hocba [TÙY CHỌN] LỆNH [THAM SỐ]...

  Học bạ số (XML): xuất từ dữ liệu, GVCN và Hiệu trưởng ký số, kiểm tra chữ
  ký, lập phiên bản sửa.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
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
Cách dùng: lienthong hocba export [TÙY CHỌN]

  Xuất học bạ năm học hiện tại của một lớp (XML, kiểm tra theo hocba.xsd),
  tính theo Thông tư 22.

  Học sinh đã có học bạ trong thư mục: thêm năm học mới thành phiên bản mới;
  năm học đã ký không bị ghi đè (sửa bằng `lienthong hocba correct`).

  Mã thoát: 0 — đã xuất cả lớp; 1 — có học sinh chưa xuất được (thiếu dữ liệu,
  nêu lý do); 2 — không xuất được ai.

Tùy chọn:
  --class <chuỗi>    Lớp, ví dụ 9A1.  [bắt buộc]
  --out <đường dẫn>  Thư mục ghi học bạ (mỗi học sinh một tệp MÃ_ĐỊNH_DANH-
                     vN.xml).  [bắt buộc]
  --help             Hiện hướng dẫn này rồi thoát.
""",
    "lienthong hocba sign": """\
Cách dùng: lienthong hocba sign [TÙY CHỌN] {path}

  Ký số học bạ bằng tài khoản đang dùng: GVCN ký năm học của lớp mình, Hiệu
  trưởng ký toàn bộ (sau GVCN).

  Khoá ký là tệp PKCS#12 khai báo trong [records] signing_keys cho tài khoản;
  mật khẩu khoá đặt ở biến môi trường LIENTHONG_KEY_PASSWORD_<TÊN_ĐĂNG_NHẬP>
  hoặc LIENTHONG_KEY_PASSWORD.

  Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — tài khoản không
  được ký phần này.

Tham số:
  path <đường dẫn>  Tệp học bạ XML.  [bắt buộc]

Tùy chọn:
  --year <chuỗi>  Năm học GVCN ký (mặc định: năm học của lớp mình chưa ký).
  --help          Hiện hướng dẫn này rồi thoát.
""",
    "lienthong hocba verify": """\
Cách dùng: lienthong hocba verify [TÙY CHỌN] {paths}...

  Kiểm tra chữ ký số: ai ký, lúc nào, chữ ký phủ phần nào, có gì bị thay đổi
  sau khi ký.

  Mã thoát: 0 — mọi chữ ký hợp lệ và tin cậy; 1 — có chữ ký hỏng, thiếu hoặc
  chứng thư không tin cậy; 2 — tệp không phải học bạ hợp lệ (hoặc có nội dung
  nguy hiểm như XXE) nên không đọc.

Tham số:
  paths... <đường dẫn>…  Một hay nhiều tệp học bạ XML.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong hocba correct": """\
Cách dùng: lienthong hocba correct [TÙY CHỌN] {path}

  Hiệu trưởng duyệt sửa học bạ đã ký: lập phiên bản mới từ dữ liệu hiện tại,
  ghi từng thay đổi.

  Bản đã ký không bị sửa; phiên bản mới ghi số phiên bản, mã SHA-256 của bản
  cũ, mục thay đổi (giá trị cũ, mới, lý do, người duyệt) và cần GVCN rồi Hiệu
  trưởng ký lại.

  Mã thoát: 0 — đã lập phiên bản mới; 2 — không có gì thay đổi hoặc tệp không
  dùng được; 4 — không phải Hiệu trưởng.

Tham số:
  path <đường dẫn>  Học bạ đã ký (phiên bản mới nhất).  [bắt buộc]

Tùy chọn:
  --reason <chuỗi>  Lý do sửa, ví dụ «chấm phúc khảo môn Toán».  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong backup": """\
Cách dùng: lienthong backup [TÙY CHỌN] LỆNH [THAM SỐ]...

  Sao lưu cơ sở dữ liệu vào một thư mục có bản kê SHA-256; `backup verify`
  kiểm tra một bản sao lưu.

Tùy chọn:
  --to <đường dẫn>  Thư mục đặt bản sao lưu (mặc định: [records] archive_dir).
  --help            Hiện hướng dẫn này rồi thoát.

Lệnh:
  verify  Kiểm tra một bản sao lưu mà không khôi phục: từng tệp theo SHA-256,
          từng bảng theo bản kê.
""",
    "lienthong backup verify": """\
Cách dùng: lienthong backup verify [TÙY CHỌN] {backup}

  Kiểm tra một bản sao lưu mà không khôi phục: từng tệp theo SHA-256, từng
  bảng theo bản kê.

  Mã thoát: 0 — nguyên vẹn; 2 — hỏng (nêu tệp không khớp).

Tham số:
  backup <đường dẫn>  Thư mục sao lưu (lienthong-…).  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong retention": """\
Cách dùng: lienthong retention [TÙY CHỌN] LỆNH [THAM SỐ]...

  Thời hạn lưu hồ sơ: ít nhất 5 năm sau khi học sinh tốt nghiệp hoặc chuyển
  trường.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  report  Học sinh đã rời trường hoặc tốt nghiệp, và ngày hồ sơ của từng em
          được phép xoá.
  purge   Xoá hồ sơ học sinh đã hết thời hạn lưu (quản trị CNTT hoặc Hiệu
          trưởng; ghi nhật ký kiểm toán).
""",
    "lienthong retention report": """\
Cách dùng: lienthong retention report [TÙY CHỌN]

  Học sinh đã rời trường hoặc tốt nghiệp, và ngày hồ sơ của từng em được phép
  xoá.

Tùy chọn:
  --json  Mỗi học sinh một đối tượng JSON trên một dòng.
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong retention purge": """\
Cách dùng: lienthong retention purge [TÙY CHỌN] {students}...

  Xoá hồ sơ học sinh đã hết thời hạn lưu (quản trị CNTT hoặc Hiệu trưởng; ghi
  nhật ký kiểm toán).

  Mã thoát: 0 — đã xoá; 4 — bị từ chối vì chưa hết thời hạn lưu (không xoá gì)
  hoặc tài khoản không có quyền.

Tham số:
  students... <chuỗi>…  Mã học sinh (của hồ sơ trường) cần xoá.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong print": """\
Cách dùng: lienthong print [TÙY CHỌN] LỆNH [THAM SỐ]...

  Sổ in (PDF, khổ A4) và chữ ký số PAdES trên sổ in.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
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
Cách dùng: lienthong print hocba [TÙY CHỌN]

  In học bạ năm học hiện tại của một lớp: PDF khổ A4, mỗi học sinh một trang.

  Mã thoát: 0 — đã in cả lớp; 1 — có học sinh chưa in được (nêu lý do); 2 —
  không in được.

Tùy chọn:
  --class <chuỗi>    Lớp, ví dụ 9A1.  [bắt buộc]
  --out <đường dẫn>  Tệp PDF sẽ ghi.  [bắt buộc]
  --sign             Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite        Ghi đè tệp --out đã có.
  --help             Hiện hướng dẫn này rồi thoát.
""",
    "lienthong print sign": """\
Cách dùng: lienthong print sign [TÙY CHỌN] {path}

  Ký số PAdES một sổ in bằng tài khoản đang dùng (GVCN, giáo viên bộ môn, Hiệu
  trưởng); giữ chữ ký trước.

  Mã thoát: 0 — đã ký; 2 — tệp hoặc khoá không dùng được; 4 — cần tài khoản.

Tham số:
  path <đường dẫn>  Tệp PDF đã in.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong print verify": """\
Cách dùng: lienthong print verify [TÙY CHỌN] {path}

  Kiểm tra chữ ký số PAdES của một sổ in: ai ký, lúc nào, có gì bị sửa sau khi
  ký.

  Mã thoát: 0 — mọi chữ ký hợp lệ; 1 — chữ ký hỏng, không tin cậy hoặc chưa có
  chữ ký; 2 — tệp không đọc được.

Tham số:
  path <đường dẫn>  Tệp PDF đã ký.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong print so-theo-doi": """\
Cách dùng: lienthong print so-theo-doi [TÙY CHỌN]

  In sổ theo dõi và đánh giá học sinh của một lớp, một học kỳ hoặc cả năm
  (PDF, A4 ngang).

Tùy chọn:
  --class <chuỗi>     Lớp, ví dụ 9A1.  [bắt buộc]
  --semester <chuỗi>  1, 2 hoặc CN (cả năm).  [bắt buộc]
  --out <đường dẫn>   Tệp PDF sẽ ghi.  [bắt buộc]
  --sign              Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite         Ghi đè tệp --out đã có.
  --help              Hiện hướng dẫn này rồi thoát.
""",
    "lienthong print so-dang-bo": """\
Cách dùng: lienthong print so-dang-bo [TÙY CHỌN]

  In sổ đăng bộ của trường (hoặc các lớp chọn): PDF, A4 ngang.

Tùy chọn:
  --out <đường dẫn>  Tệp PDF sẽ ghi.  [bắt buộc]
  --class <chuỗi>…   Chỉ các lớp này (lặp lại); mặc định cả trường.
  --sign             Ký số PAdES bằng tài khoản đang dùng (--as).
  --overwrite        Ghi đè tệp --out đã có.
  --help             Hiện hướng dẫn này rồi thoát.
""",
    "lienthong results": """\
Cách dùng: lienthong results [TÙY CHỌN] LỆNH [THAM SỐ]...

  Kết quả học kỳ, cả năm của lớp: GVCN xác nhận, Hiệu trưởng duyệt hoặc mở lại
  (Quy chế Suối Ngô Điều 7).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
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
Cách dùng: lienthong results status [TÙY CHỌN]

  Trạng thái kết quả của từng lớp: chưa xác nhận, GVCN đã xác nhận, Hiệu
  trưởng đã duyệt.

  Mã thoát: 0 — xong; 2 — lớp, kỳ hoặc tham số sai; 4 — tài khoản không xem
  được lớp này.

Tùy chọn:
  --class <chuỗi>   Chỉ một lớp, ví dụ 9A1.
  --period <chuỗi>  HK1, HK2 hoặc CN (cả năm); mặc định cả ba.
  --format <chuỗi>  table (trên màn hình) hoặc json.  [mặc định: table]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong results confirm": """\
Cách dùng: lienthong results confirm [TÙY CHỌN]

  GVCN xác nhận kết quả của lớp mình: chuyên cần, chuyển trường, rèn luyện,
  lên lớp, danh hiệu, kiểm tra lại.

  Mã thoát: 0 — đã xác nhận; 2 — lớp hoặc kỳ sai; 4 — không phải GVCN của lớp,
  hoặc kết quả đã duyệt.

Tùy chọn:
  --class <chuỗi>   Lớp, ví dụ 9A1.  [bắt buộc]
  --period <chuỗi>  HK1, HK2 hoặc CN (cả năm).  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong results approve": """\
Cách dùng: lienthong results approve [TÙY CHỌN]

  Hiệu trưởng duyệt đúng kết quả GVCN đã xác nhận; kết quả cả năm chỉ được gửi
  đi sau khi duyệt.

  Mã thoát: 0 — đã duyệt; 2 — lớp hoặc kỳ sai; 4 — không phải Hiệu trưởng,
  chưa xác nhận, hoặc dữ liệu đã đổi.

Tùy chọn:
  --class <chuỗi>   Lớp, ví dụ 9A1.  [bắt buộc]
  --period <chuỗi>  HK1, HK2 hoặc CN (cả năm).  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong results reopen": """\
Cách dùng: lienthong results reopen [TÙY CHỌN]

  Hiệu trưởng mở lại kết quả đã xác nhận hoặc đã duyệt (bắt buộc ghi lý do);
  GVCN xác nhận lại.

  Mã thoát: 0 — đã mở lại; 2 — thiếu lý do, lớp hoặc kỳ sai; 4 — không phải
  Hiệu trưởng.

Tùy chọn:
  --class <chuỗi>   Lớp, ví dụ 9A1.  [bắt buộc]
  --period <chuỗi>  HK1, HK2 hoặc CN (cả năm).  [bắt buộc]
  --reason <chuỗi>  Lý do mở lại (ghi vào nhật ký kiểm toán).  [bắt buộc]
  --help            Hiện hướng dẫn này rồi thoát.
""",
    "lienthong portal": """\
Cách dùng: lienthong portal [TÙY CHỌN] LỆNH [THAM SỐ]...

  Cổng báo cáo của Sở: nộp báo cáo chất lượng giáo dục (TK-CLGD) và chuyên cần
  (TK-CHUYENCAN).

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  submit  Hiệu trưởng nộp báo cáo cho một yêu cầu của Sở: TK-CLGD hoặc TK-
          CHUYENCAN.
""",
    "lienthong portal submit": """\
Cách dùng: lienthong portal submit [TÙY CHỌN] {MA_YEU_CAU}

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

Tham số:
  MA_YEU_CAU <chuỗi>  Mã yêu cầu báo cáo của Sở, ví dụ YC20260001.  [bắt buộc]

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.
""",
    "lienthong schools": """\
Cách dùng: lienthong schools [TÙY CHỌN] LỆNH [THAM SỐ]...

  Các trường của một hệ thống dùng chung (chế độ phân tán): đăng ký, xem song
  song.

Tùy chọn:
  --help  Hiện hướng dẫn này rồi thoát.

Lệnh:
  add   Đăng ký (hoặc cập nhật) một trường; mật khẩu và khoá không lưu ở đây:
        biến LIENTHONG_<MÃ_TRƯỜNG>_…
  list  Các trường song song: mức đủ điểm, khác biệt đang mở, đồng bộ, việc
        chờ, nộp báo cáo đúng hạn.
""",
    "lienthong schools add": """\
Cách dùng: lienthong schools add [TÙY CHỌN] {ma_truong}

  Đăng ký (hoặc cập nhật) một trường; mật khẩu và khoá không lưu ở đây: biến
  LIENTHONG_<MÃ_TRƯỜNG>_…

Tham số:
  ma_truong <chuỗi>  Mã trường (8 chữ số).  [bắt buộc]

Tùy chọn:
  --name <chuỗi>           Tên trường.  [bắt buộc]
  --tinh <chuỗi>           Mã tỉnh (2 chữ số).  [bắt buộc]
  --xa <chuỗi>             Mã xã (5 chữ số).  [bắt buộc]
  --vnedu-url <chuỗi>      Địa chỉ API vnEdu.
  --vnedu-client <chuỗi>   client_id đối tác vnEdu.
  --csdl-endpoint <chuỗi>  Địa chỉ dịch vụ CSDL ngành.
  --csdl-user <chuỗi>      Tài khoản CSDL ngành của trường.
  --portal-url <chuỗi>     Địa chỉ cổng báo cáo của Sở.
  --set <chuỗi>…           Thiết lập khác: HỆ_THỐNG.KHOÁ=GIÁ_TRỊ, ví dụ
                           vnedu.rate_limit=5.
  --help                   Hiện hướng dẫn này rồi thoát.
""",
    "lienthong schools list": """\
Cách dùng: lienthong schools list [TÙY CHỌN]

  Các trường song song: mức đủ điểm, khác biệt đang mở, đồng bộ, việc chờ, nộp
  báo cáo đúng hạn.

  Với tài khoản (--as hoặc `lienthong login`): cán bộ Sở GD&ĐT xem các trường
  mình phụ trách.

Tùy chọn:
  --format <chuỗi>  table hoặc json (mỗi trường một dòng).  [mặc định: table]
  --sort <chuỗi>    ma_truong, name, completeness, discrepancies, sync,
                    waiting, dead hoặc on_time (kém nhất trước).  [mặc định:
                    ma_truong]
  --reverse         Đảo thứ tự sắp xếp (tốt nhất trước).
  --help            Hiện hướng dẫn này rồi thoát.
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
