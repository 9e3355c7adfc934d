"""Identifiers for rows written at high rates: UUIDv7 (RFC 9562), a millisecond timestamp then random bits.

A table keyed by random UUIDv4 gets every insert at a random place of its primary key index, so a batch of events
dirties (and after each checkpoint writes to the WAL in full) one index page per row; time-ordered keys append to
the index's right edge. The 74 random bits keep ids unguessable and collision-free in practice.
"""

import os
import time
from functools import lru_cache
from uuid import UUID, SafeUUID

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RANDOM = (((1 << 12) - 1) << 64) | ((1 << 62) - 1)  # rand_a and rand_b


class TimeOrderedUUID(UUID):
    """A UUID that was made with its text. An ingested event's id is written out twice (the stored row and the
    response), and uuid.UUID.__str__ formats it anew each time, in Python: for a 100-event batch that cost more than
    making the ids."""

    __slots__ = ("_text",)

    def __str__(self) -> str:
        return self._text

    def __reduce__(self):
        return UUID, (self._text,)


_new = UUID.__new__
_set = object.__setattr__
_UNKNOWN_SAFETY = SafeUUID.unknown  # an enum member read from its class goes through a descriptor each time


def time_ordered_uuid() -> UUID:
    return time_ordered_uuids(1)[0]


def time_ordered_uuids(count: int) -> list[UUID]:
    """`count` ids sharing one millisecond, made together: their bits as one integer, their texts as one hex string.
    In random order among themselves."""
    head = ((time.time_ns() // 1_000_000) << 80) | _VERSION | _VARIANT
    repeated = _repeated(count)
    bits = (int.from_bytes(os.urandom(16 * count)) & (_RANDOM * repeated)) | (head * repeated)
    raw = bits.to_bytes(16 * count)
    text = raw.hex()
    ids: list[UUID] = []
    for start in range(0, 16 * count, 16):
        made = _new(TimeOrderedUUID)
        _set(made, "int", int.from_bytes(raw[start : start + 16]))
        _set(made, "is_safe", _UNKNOWN_SAFETY)
        _set(made, "_text", _dashed(text[2 * start : 2 * start + 32]))
        ids.append(made)
    return ids


def _dashed(hex_digits: str) -> str:
    return f"{hex_digits[:8]}-{hex_digits[8:12]}-{hex_digits[12:16]}-{hex_digits[16:20]}-{hex_digits[20:]}"


@lru_cache(maxsize=16)
def _repeated(count: int) -> int:
    """1 in the lowest bit of each of `count` 128-bit fields: multiplying a 128-bit value by it repeats the value."""
    return sum(1 << (128 * index) for index in range(count))
