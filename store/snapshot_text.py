"""How a stored record is written: its payload's content hash and its JSON text.

Without the database or SQLAlchemy, so that a file's records can be written out where the file is
read (an import's reader processes, `sync.file_readers`) and the command that stores them handles
two strings per record instead of a payload to serialise, hash and compare.

A record written out here (`written_out`, `written`) is dumped once: its canonical JSON (sorted
keys) is both what `content_hash` hashes and the text stored, so the hash is the one every
record stored before has (it compares unchanged), and only the stored text's key order differs
from what the engine's JSON type writes for a pull (keys as given: the same value once
decoded). The text stays UTF-8 bytes until the record is written (`store.imports.store_rows`
decodes it for the driver): a reader process sends bytes (copied, not transcoded, by pickle on
both sides) and a text the command does not write (the same student on 23 score books) is never
decoded.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

import orjson

CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def content_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON (sorted keys, UTF-8, compact: the bytes json.dumps
    gives with those options, made by orjson at a fifth of the cost)."""
    return hashlib.sha256(orjson.dumps(payload, default=str, option=CANONICAL)).hexdigest()


def hashed_text(payload: dict[str, Any]) -> tuple[str, bytes]:
    """`content_hash` of the payload and the JSON text to store (UTF-8), from one dump: the
    canonical JSON (sorted keys). A payload with a value JSON has no type for is refused
    (``TypeError``), rather than hashed as its ``str`` as `content_hash` would."""
    canonical = orjson.dumps(payload, option=CANONICAL)
    # copied to bytes of its own size: orjson's keep the whole buffer it wrote into (4 KB at least),
    # and a file's records are all held until the file is stored (a school's import: +70 MB)
    return hashlib.sha256(canonical).hexdigest(), memoryview(canonical).tobytes()


class WrittenRecord(NamedTuple):
    """One source record ready to store: its payload's `content_hash` and JSON text (`hashed_text`)."""

    source: str
    entity: str
    key: str
    version: int
    digest: str
    text: bytes  # the JSON text, UTF-8


def written_out(entity: str, key: str, payload: dict[str, Any]) -> tuple[str, str, str, bytes]:
    """``(entity, key, content hash, JSON text as UTF-8)`` of a record of a file (its source and
    version are the file's, added when it is stored)."""
    return (entity, key, *hashed_text(payload))


def written(source: str, entity: str, key: str, version: int, payload: dict[str, Any]) -> WrittenRecord:
    """A `WrittenRecord` of one payload (`store.records.store_snapshots` takes them)."""
    return WrittenRecord(source, entity, key, version, *hashed_text(payload))
