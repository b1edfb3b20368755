"""Files the application writes for people (reports, exports, JSON): written whole or not at all,
readable only by their owner, never over the database nor through a symlink.

A report holds students' names and scores (personal data, Decree 13/2023): 0600 keeps it from
other accounts on a shared school machine. An output path is typed by a person, so a slip
(``--out lienthong.db``) must be refused, not obeyed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterable

from lienthong.store.location import sqlite_file

_MODE = 0o600
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")  # SQLite keeps live data in these too


class OutputRefused(ValueError):
    """An output file that will not be written; the message (Vietnamese) says why and what to do."""


def database_files(database_url: str) -> list[Path]:
    """The files of a SQLite database at ``database_url`` (none for a server database)."""
    main = sqlite_file(database_url)
    if main is None:
        return []
    return [main.with_name(main.name + suffix) for suffix in _SQLITE_SIDE_FILES]


def _is_protected(path: Path, protect: Iterable[Path]) -> bool:
    resolved = path.resolve()
    for guarded in protect:
        guarded = Path(guarded)
        if resolved == guarded.resolve():
            return True
        if path.exists() and guarded.exists() and os.path.samefile(path, guarded):  # a hard link
            return True
    return False


def check_output(path: Path, *, overwrite: bool, protect: Iterable[Path] = ()) -> None:
    """Raise `OutputRefused` if ``path`` may not be written; called before long work, so a
    wrong path is refused before anything is computed (and again when writing)."""
    path = Path(path)
    if path.is_symlink():
        raise OutputRefused(f"Không ghi vào {path}: đây là một liên kết tượng trưng (symlink); hãy chỉ tới tệp thật.")
    if _is_protected(path, protect):
        raise OutputRefused(f"Không ghi vào {path}: đây là tệp cơ sở dữ liệu của lienthong; hãy chọn tên tệp khác.")
    if not path.parent.is_dir():
        raise OutputRefused(f"Không ghi được {path}: thư mục {path.parent} không tồn tại; hãy tạo thư mục trước.")
    if path.is_dir():
        raise OutputRefused(f"Không ghi được {path}: đây là một thư mục; hãy đặt tên tệp.")
    if path.exists() and not overwrite:
        raise OutputRefused(f"Tệp {path} đã có; dùng --overwrite nếu muốn ghi đè.")


def write_output(path: Path, data: bytes, *, overwrite: bool, protect: Iterable[Path] = ()) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600, after `check_output`.

    The bytes go to a new temporary file in the same folder (created exclusively, never through
    a symlink), are synced to disk, then renamed over ``path``: a reader sees the old file or
    the whole new one, and a crash leaves no half-written report.
    """
    path = Path(path)
    check_output(path, overwrite=overwrite, protect=protect)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), _MODE)  # the umask may only narrow the mode; make it exact
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _place(temporary, path, overwrite)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _place(temporary: Path, path: Path, overwrite: bool) -> None:
    """Give the finished file its name. Without ``overwrite`` a hard link does it, which fails
    if a file of that name appeared since the check; a rename never writes through a symlink."""
    if not overwrite:
        try:
            os.link(temporary, path)
            return
        except FileExistsError:
            raise OutputRefused(f"Tệp {path} đã có; dùng --overwrite nếu muốn ghi đè.") from None
        except OSError:
            pass  # no hard links here (a FAT/exFAT USB stick): the check above has to do
    os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: some file systems refuse a folder fsync)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
