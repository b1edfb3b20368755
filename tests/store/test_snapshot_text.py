"""A record written out for storing (`store.snapshot_text`): one dump, the hash every record stored
before has, and a text that holds no more memory than its bytes (a school's import holds a file's
records until the file is stored)."""

from __future__ import annotations

import hashlib
import tracemalloc

import orjson
import pytest

from lienthong.store.snapshot_text import content_hash, hashed_text, written_out

PAYLOAD = {"ma_hoc_sinh": "1800000001", "ho_ten": "Nguyễn Thị Hà", "ddg_tx": ["8", None], "mon": {"VAN": "Đ", "CN": 9}}


def test_the_text_stored_is_the_canonical_json_the_hash_is_made_of():
    digest, text = hashed_text(PAYLOAD)
    assert digest == content_hash(PAYLOAD)  # as every record stored before was hashed
    assert hashlib.sha256(text).hexdigest() == digest
    assert orjson.loads(text) == PAYLOAD
    assert list(orjson.loads(text)) == sorted(PAYLOAD)
    assert written_out("hoc_sinh", "1800000001", PAYLOAD) == ("hoc_sinh", "1800000001", digest, text)


def test_a_value_json_has_no_type_for_is_refused_not_hashed_as_its_text():
    from decimal import Decimal

    with pytest.raises(TypeError):
        hashed_text({"diem": Decimal("8.5")})


def test_a_written_text_holds_about_its_own_size():
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [hashed_text({**PAYLOAD, "n": n}) for n in range(2000)]
        per_record = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    size = len(kept[0][1]) + len(kept[0][0])
    assert per_record < size + 400  # orjson's own bytes kept its whole 4 KB buffer each
