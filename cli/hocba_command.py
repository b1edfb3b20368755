"""``lienthong hocba export|sign|verify|correct``: the digital transcript (XML) on the command line.

Only presents what `lienthong.records` returns. Exits: 0 done; 1 done with students left out,
or a signature broken, missing or untrusted; 2 a file, key or configuration that cannot be
used; 4 an account that may not do this.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from lienthong.cli import exits
from lienthong.cli.identity import actor_ref, signed_in_actor, work_engine
from lienthong.config.settings import Settings
from lienthong.mapping.calendar import VN_TZ, shown_time
from lienthong.records import files, hocba_xml, signing
from lienthong.records.versions import CorrectionRefused, NothingChanged, new_version
from lienthong.store import audit
from lienthong.store.files import OutputRefused, write_output
from lienthong.sync.service import open_store


def _screen(console: Console | None) -> Console:
    return console or Console(markup=False, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _audit(engine, actor: str, action: str, detail: dict) -> None:
    with Session(engine) as session:
        audit.append(session, actor, action, detail, _now())
        session.commit()


def export(class_code: str, out: Path, console: Console | None = None) -> int:
    from lienthong.records.gather import RecordsSetupMissing, class_transcripts

    console = _screen(console)
    settings = Settings()
    engine = open_store(settings)
    who = actor_ref()
    try:
        made = class_transcripts(engine, settings, class_code, _now().astimezone(VN_TZ).date())
    except RecordsSetupMissing as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    written, left, unchanged = [], list(made.left_out), 0
    for transcript in made.transcripts:
        name = transcript.pupil.full_name
        try:
            path, version = _write_transcript(out, transcript)
        except (CorrectionRefused, OutputRefused, hocba_xml.TranscriptRefused) as exc:
            left.append(f"{name}: {exc}")
            continue
        if path is None:
            unchanged += 1
            console.print(f"{name}: học bạ không đổi ({files.versioned_name(transcript.pupil.ministry_id, version)}).")
            continue
        written.append(path.name)
        console.print(f"{name}: {path} (phiên bản {version})")
    for reason in left:
        console.print(f"Chưa xuất: {reason}", style="yellow")
    console.print(
        f"Lớp {made.class_code}, năm học {made.school_year}: đã ghi {len(written)} học bạ vào {out}, "
        f"{len(left)} học sinh chưa xuất được."
    )
    if written:
        detail = {"class": made.class_code, "school_year": made.school_year, "files": len(written), "left": len(left)}
        _audit(engine, who, "hocba_exported", detail)
    if not written and not unchanged:
        return exits.BAD_INPUT
    return exits.DIFFERENCES if left else exits.OK


def _write_transcript(out: Path, transcript) -> tuple[Path | None, int]:
    """The first version, or the next one when the student already has a transcript there."""
    found = files.latest(out, transcript.pupil.ministry_id)
    if found is None:
        data, version = hocba_xml.write(transcript, _now()), 1
    else:
        try:
            made = new_version(found[0].read_bytes(), list(transcript.years), _now())
        except NothingChanged:
            return None, found[1]
        data, version = made.data, made.version
    path = out / files.versioned_name(transcript.pupil.ministry_id, version)
    write_output(path, data, overwrite=False)
    return path, version


def _read(path: Path, console: Console):
    try:
        data = path.read_bytes()
    except OSError as exc:
        console.print(f"Không đọc được {path} ({type(exc).__name__}).", style="red")
        return None, None
    try:
        return data, hocba_xml.parse(data)
    except hocba_xml.TranscriptRefused as exc:
        console.print(f"{path}: {exc}", style="red")
        return None, None


def sign(path: Path, year: str | None, console: Console | None = None) -> int:
    console = _screen(console)
    settings = Settings()
    engine = open_store(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    data, root = _read(path, console)
    if root is None:
        return exits.BAD_INPUT
    try:  # who may sign what is settled before any key is opened
        if actor.role == "gvcn":
            year = year or _my_year(root, actor)
            signing.check_year_signer(root, year, actor)
        else:
            signing.check_document_signer(root, actor)
        key = signing.key_for(actor, settings.records.signing_keys)
        if actor.role == "gvcn":
            signed, part = signing.sign_year(root, year, actor, key, _now()), f"năm học {year}"
        else:
            signed, part = signing.sign_document(root, actor, key, _now()), "toàn bộ học bạ"
    except signing.KeyProblem as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    except signing.SigningRefused as exc:
        console.print(str(exc), style="red")
        return exits.REFUSED
    result = hocba_xml.to_bytes(signed)
    write_output(path, result, overwrite=True)
    detail = {"file": path.name, "part": part, "before": hocba_xml.digest(data), "after": hocba_xml.digest(result)}
    _audit(engine, actor.ref, "hocba_signed", detail)
    console.print(f"Đã ký {part} trong {path}: {actor.shown()}, chứng thư {signing.subject_of(key.cert)}.")
    return exits.OK


def _my_year(root, actor) -> str:
    """The year of the GVCN's class that has no signature yet."""
    ns = hocba_xml.qname
    for school_year, block in sorted(hocba_xml.year_blocks(root).items(), reverse=True):
        if block.findtext(ns("Lop")) in actor.classes and block.find(ns("ChuKyGVCN")) is None:
            return school_year
    raise signing.SigningRefused(f"Học bạ không có năm học nào của lớp {', '.join(sorted(actor.classes))} chờ ký.")


def _when(text: str) -> str:
    try:
        return shown_time(datetime.fromisoformat(text))
    except ValueError:
        return text or "không rõ"


ROLE_WORDS = {"gvcn": "GVCN", "principal": "Hiệu trưởng"}


def verify(paths: list[Path], console: Console | None = None) -> int:
    console = _screen(console)
    settings = Settings()
    try:
        anchors = signing.load_anchors(settings.records.trusted_ca)
    except signing.KeyProblem as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    worst = exits.OK
    for path in paths:
        _, root = _read(path, console)
        if root is None:
            worst = max(worst, exits.BAD_INPUT)
            continue
        worst = max(worst, _report(path, root, anchors, console))
    return worst


def _report(path: Path, root, anchors, console: Console) -> int:
    transcript = hocba_xml.transcript_of(root)
    pupil = transcript.pupil
    console.print(
        f"{path}: học bạ của {pupil.full_name} (mã định danh {pupil.ministry_id}), phiên bản {transcript.version}"
    )
    found = signing.verify(root, anchors)
    for check in found.signatures:
        who = f"{ROLE_WORDS[check.role]} {check.name or '(không rõ)'} (tài khoản {check.account or 'không rõ'})"
        state = "HỢP LỆ" if check.valid else "KHÔNG HỢP LỆ"
        trust = {
            True: "tin cậy",
            False: "KHÔNG tin cậy",
            None: "chưa kiểm nguồn gốc (chưa khai báo [records] trusted_ca)",
        }
        line = (
            f"  {state}: {who} ký lúc {_when(check.signed_at)}; phủ {check.covers}; "
            f"chứng thư {check.certificate or 'không có'} ({trust[check.trusted]})"
        )
        console.print(line, style=None if check.valid and check.trusted is not False else "red")
        for problem in check.problems:
            console.print(f"    → {problem}", style="red")
    for part in found.unsigned:
        console.print(f"  Chưa ký: {part}", style="yellow")
    if not found.intact:
        broken = [f"{ROLE_WORDS[c.role]} ({c.covers})" for c in found.signatures if not c.valid]
        if broken:
            console.print(
                f"  Nội dung đã thay đổi sau khi ký: chữ ký của {'; '.join(broken)} không còn khớp.", style="red"
            )
        return exits.DIFFERENCES
    return exits.DIFFERENCES if found.unsigned or not found.trusted else exits.OK


def correct(path: Path, reason: str, console: Console | None = None) -> int:
    from lienthong.records.gather import RecordsSetupMissing, class_transcripts

    console = _screen(console)
    settings = Settings()
    engine = open_store(settings)
    actor = signed_in_actor(engine, console)
    if actor is None:
        return exits.REFUSED
    engine = work_engine(engine, actor)
    if actor.role != "principal":
        console.print(
            f"{actor.shown()} không duyệt sửa học bạ: chỉ Hiệu trưởng (Quy chế Suối Ngô, Điều 9).", style="red"
        )
        return exits.REFUSED
    data, root = _read(path, console)
    if root is None:
        return exits.BAD_INPUT
    before = hocba_xml.transcript_of(root)
    school_year = settings.current_school_year()
    mine = next((y for y in before.years if y.school_year == school_year), None)
    if mine is None:
        console.print(
            f"Học bạ không có năm học {school_year}: chỉ sửa được năm học mà cơ sở dữ liệu đang giữ.", style="red"
        )
        return exits.BAD_INPUT
    today = _now().astimezone(VN_TZ).date()
    try:
        made = class_transcripts(engine, settings, mine.class_code, today, school_year)
    except RecordsSetupMissing as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    now = next((t for t in made.transcripts if t.pupil.ministry_id == before.pupil.ministry_id), None)
    if now is None:
        console.print(f"Chưa lập lại được năm học {school_year} của học sinh này từ dữ liệu hiện tại.", style="red")
        return exits.BAD_INPUT
    try:
        version = new_version(data, list(now.years), _now(), reason, actor, today)
    except CorrectionRefused as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    target = path.parent / files.versioned_name(before.pupil.ministry_id, version.version)
    try:
        write_output(target, version.data, overwrite=False)
    except OutputRefused as exc:
        console.print(str(exc), style="red")
        return exits.BAD_INPUT
    detail = {
        "from": path.name,
        "to": target.name,
        "replaces": hocba_xml.digest(data),
        "fields": [f"{y}:{c.field}" for y, c in version.corrections],
        "reason": reason,
    }
    _audit(engine, actor.ref, "hocba_corrected", detail)
    for school_year_, fix in version.corrections:
        console.print(f"  {school_year_} {fix.field}: {fix.old or '(trống)'} → {fix.new or '(trống)'}")
    console.print(
        f"Đã lập phiên bản {version.version}: {target} (bản cũ {path.name} giữ nguyên). "
        "GVCN ký lại năm học đã sửa, rồi Hiệu trưởng ký toàn bộ."
    )
    return exits.OK
