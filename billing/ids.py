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
    return time_ordered_uuids(1)[0]


def time_ordered_uuids(count: int) -> list[UUID]:
    """`count` ids sharing one millisecond and one read of the random source (a batch of events gets its ids at
    once), in random order among themselves."""
    head = ((time.time_ns() // 1_000_000) << 80) | _VERSION | _VARIANT
    random_bytes = os.urandom(10 * count)
    ids = []
    for start in range(0, 10 * count, 10):
        random_bits = int.from_bytes(random_bytes[start : start + 10], "big")
        ids.append(UUID(int=head | (((random_bits >> 62) & _RANDOM_A) << 64) | (random_bits & _RANDOM_B)))
    return ids
