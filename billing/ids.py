"""Identifiers for rows written at high rates: UUIDv7 (RFC 9562), a millisecond timestamp then random bits.

A table keyed by random UUIDv4 gets every insert at a random place of its primary key index, so a batch of events
dirties (and after each checkpoint writes to the WAL in full) one index page per row; time-ordered keys append to
the index's right edge. The 74 random bits keep ids unguessable and collision-free in practice.
"""

import os
import time
from uuid import UUID

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RANDOM_A = (1 << 12) - 1
_RANDOM_B = (1 << 62) - 1


def time_ordered_uuid() -> UUID:
    milliseconds = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (milliseconds << 80) | _VERSION | (((random_bits >> 62) & _RANDOM_A) << 64) | _VARIANT
    return UUID(int=value | (random_bits & _RANDOM_B))
