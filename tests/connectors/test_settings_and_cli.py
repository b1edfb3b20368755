"""Credentials come from the environment or a secrets file, never the TOML; the CLI reaches
the connectors (``lienthong check``, ``lienthong read-file``)."""

import subprocess

import pytest
from openpyxl import Workbook

from lienthong.config.settings import Settings, SettingsError
from lienthong.connectors.errors import ConfigError
from lienthong.connectors.factory import build_connectors
from tests.cli.test_assess_cli import lienthong

TOML = """ma_truong = "79000701"
[vnedu]
base_url = "http://127.0.0.1:1"
client_id = "lienthong-demo"
[csdl]
endpoint = "http://127.0.0.1:1/csdl"
username = "demo"
"""


@pytest.fixture
def configured(tmp_path, monkeypatch):
    path = tmp_path / "lienthong.toml"
    path.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(path))
    for name in ("LIENTHONG_VNEDU_CLIENT_SECRET", "LIENTHONG_CSDL_PASSWORD", "LIENTHONG_PORTAL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_missing_credential_fails_at_start_naming_the_setting(configured):
    with pytest.raises(ConfigError) as caught:
        build_connectors(Settings())
    assert "LIENTHONG_VNEDU_CLIENT_SECRET" in caught.value.message


def test_credentials_from_environment(configured, monkeypatch):
    monkeypatch.setenv("LIENTHONG_VNEDU_CLIENT_SECRET", "s1")
    monkeypatch.setenv("LIENTHONG_CSDL_PASSWORD", "s2")
    built = build_connectors(Settings())
    assert set(built) == {"vnedu", "csdl"}
    assert built["vnedu"].config.client_secret.get_secret_value() == "s1"
    assert "s1" not in repr(built["vnedu"].config)  # SecretStr hides it


def test_credentials_from_a_secrets_file(configured, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('vnedu_client_secret = "a"\ncsdl_password = "b"\n', encoding="utf-8")
    configured.write_text(f'secrets_file = "{secrets}"\n' + TOML, encoding="utf-8")
    assert build_connectors(Settings())["csdl"].config.password.get_secret_value() == "b"


def test_a_secret_in_the_toml_is_refused(configured):
    configured.write_text(TOML + 'client_secret = "oops"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        Settings()
    assert "csdl.client_secret" in str(caught.value) and "oops" not in str(caught.value)


def test_check_command_reports_unreachable_platforms(configured, monkeypatch):
    env = {
        "LIENTHONG_CONFIG": str(configured),
        "LIENTHONG_VNEDU_CLIENT_SECRET": "x",
        "LIENTHONG_CSDL_PASSWORD": "y",
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "200",
    }
    done = subprocess.run([*lienthong(), "check"], capture_output=True, timeout=300, env=env)
    out = done.stdout.decode()
    assert done.returncode == 3 and "vnedu" in out and "lỗi" in out  # 3: a platform unreachable


def test_read_file_command_shows_rows_and_problems(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "TX1", "TX2", "GK", "CK"])
    sheet.append([1, "Nguyễn Văn An", "8", "11", "7", "8"])
    sheet.append([2, "Lê Thị Hoa", "8,5", "7", "7", "8"])
    path = tmp_path / "so-diem.xlsx"
    book.save(path)
    done = subprocess.run(
        [*lienthong(), "read-file", str(path), "--kind", "so-diem", "--mon", "TOAN", "--hoc-ky", "1"],
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    out = done.stdout.decode()
    assert done.returncode == 1 and "1 dòng đọc được" in out and "TX2" in out and "không lưu gì" in out
    bad = subprocess.run(
        [*lienthong(), "read-file", str(tmp_path / "none.xlsx"), "--kind", "so-diem"],
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert bad.returncode == 2 and "Không tìm thấy tệp" in bad.stdout.decode()
