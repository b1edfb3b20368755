"""The school says once, in its configuration, how split tests combine (``[files] gradebook_parts``):
every teacher's split book is then read with it, and books that do not split are read as they are."""

from __future__ import annotations

import json

from tests.cli.test_file_only import run
from tests.connectors.test_gradebook_layouts import SPLIT
from tests.workbooks import workbook


def _import(tmp_path, name: str, data: bytes, config: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    toml = tmp_path / "lienthong.toml"
    toml.write_text(config, encoding="utf-8")
    done = run(
        ["import", "--json", "--subject", "TOAN", "--semester", "1", str(path)],
        f"sqlite:///{tmp_path / 'g.db'}",
        LIENTHONG_CONFIG=str(toml),
    )
    return {"code": done.returncode, **json.loads(done.stdout)}


def test_the_schools_standing_rule_combines_every_split_book(tmp_path):
    rule = '[files]\ngradebook_parts = "GK=GKTN+GKTH,CK=CKTN+CKTH"\n'
    split = _import(tmp_path, "split.xlsx", workbook(SPLIT), rule)
    assert split["unused_columns"] == []  # the parts are used: combined as the school said
    assert [r["cell"] for r in split["refused"]] == ["E5"]  # GK 6 + 4,5 = 10,5 is no score
    plain = workbook(
        {"7A2": [["SỔ ĐIỂM MÔN TOÁN — LỚP 7A2"], ["STT", "Họ và tên", "TX1", "GK", "CK"], [1, "Lê An", 8, 7, 9]]}
    )
    other = _import(tmp_path, "plain.xlsx", plain, rule)
    assert other["code"] == 0 and other["error"] is None and other["rows"] == 1


def test_without_the_rule_split_parts_are_reported_unused(tmp_path):
    split = _import(tmp_path, "split.xlsx", workbook(SPLIT), "")
    assert {c["column"] for c in split["unused_columns"]} == {"GKTN", "GKTH", "CKTN", "CKTH"}
    assert any("GK=GKTN+GKTH" in c["reason"] for c in split["unused_columns"])


def test_a_broken_standing_rule_is_refused_naming_the_setting(tmp_path):
    path = tmp_path / "split.xlsx"
    path.write_bytes(workbook(SPLIT))
    toml = tmp_path / "lienthong.toml"
    toml.write_text('[files]\ngradebook_parts = "GK=="\n', encoding="utf-8")
    done = run(["import", str(path)], f"sqlite:///{tmp_path / 'g.db'}", LIENTHONG_CONFIG=str(toml))
    assert done.returncode == 2 and "gradebook_parts" in done.stdout
