"""JSON responses through orjson: the stdlib encoder DRF uses was a tenth of an ingestion request."""

import json
from datetime import date, time
from decimal import Decimal
from uuid import UUID

import orjson
from rest_framework.renderers import BaseRenderer


def _default(value):
    if isinstance(value, Decimal):
        return str(value)  # money and quantities stay exact strings, never floats
    if isinstance(value, UUID):  # orjson writes uuid.UUID itself, not its subclasses (billing.ids.TimeOrderedUUID)
        return str(value)
    if hasattr(value, "__html__") or isinstance(value, str):  # lazy translations and similar str-likes
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _exact_default(value):
    """_default plus what orjson writes natively, the same way."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return _default(value)


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError as error:
            if "64-bit" not in str(error):
                raise
        # An integer beyond 64 bits (an event property): the standard library writes it exactly.
        return json.dumps(data, default=_exact_default, ensure_ascii=False, separators=(",", ":")).encode()
