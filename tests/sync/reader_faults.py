"""Readers a worker runs instead of `read_file` in tests/sync/test_file_readers.py: each fails as a
real reader could on one file and reads the others as usual. In a module of their own, light to
import: a worker imports them by name before reading anything."""

from __future__ import annotations

import os
import time

from lienthong.sync.file_reading import read_file


def stops_on_crash(name, data, kind, wanted, mapping):
    if name.startswith("crash"):
        os._exit(3)  # as a reader killed by the system would: no answer, no exception
    return read_file(name, data, kind, wanted, mapping)


def hangs_on_slow(name, data, kind, wanted, mapping):
    if name.startswith("slow"):
        time.sleep(3600)
    return read_file(name, data, kind, wanted, mapping)


def wants_memory_on_big(name, data, kind, wanted, mapping):
    if name.startswith("big"):
        hold = bytearray(3 << 30)  # more than a worker may have
        hold[-1] = 1
    return read_file(name, data, kind, wanted, mapping)
