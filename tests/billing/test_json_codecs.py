"""The API's JSON parser and renderer (orjson) keep integers beyond 64 bits exact, which orjson alone does not."""

import io
import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from rest_framework.exceptions import ParseError

from billing.api.parsers import LimitedJSONParser
from billing.api.renderers import ORJSONRenderer
from billing.ids import time_ordered_uuid

BIG = 123456789012345678901234  # 24 digits: within Decimal(38, 12) usage values, beyond 64 bits


def parse(body: bytes):
    return LimitedJSONParser().parse(io.BytesIO(body))


@pytest.mark.parametrize(
    "value",
    [BIG, -BIG, 18446744073709551616, -9223372036854775809, 9223372036854775807, 10**38, 12],
)
def test_integers_are_parsed_exactly_whatever_their_size(value):
    parsed = parse(json.dumps({"properties": {"value": value, "id": "x" * 3}}).encode())

    assert parsed["properties"]["value"] == value
    assert type(parsed["properties"]["value"]) is int


def test_a_long_digit_string_is_read_the_same_by_either_parser():
    body = {"transaction_id": "12345678901234567890123", "value": 1.5, "text": "été ✓", "none": None, "on": True}

    assert parse(json.dumps(body).encode()) == body
    assert parse(json.dumps(body, ensure_ascii=False).encode()) == body


@pytest.mark.parametrize(
    "body",
    [
        b'{"value": 12345678901234567890123, "x": NaN}',
        b'{"value": 12345678901234567890123, "x": Infinity}',
        b'{"value": 12345678901234567890123, "x": "\\ud800"}',
        b'{"value": 12345678901234567890123, "x": "\xff"}',
        b'{"value": 12345678901234567890123,',
        b'{"x": NaN}',
        b'{"x": "\\ud800"}',
    ],
)
def test_what_orjson_refuses_is_refused_on_the_exact_path_too(body):
    with pytest.raises(ParseError):
        parse(body)


def test_the_renderer_writes_big_integers_exactly_and_everything_else_as_orjson_does():
    moment = datetime(2026, 11, 22, 4, 30, 15, 250000, tzinfo=UTC)
    identifier = UUID("01a2017b-4eaf-7dcf-bfcf-bf3a4ccd69c2")
    data = {"value": BIG, "at": moment, "id": identifier, "text": "été", "list": [1, None, 2.5]}

    rendered = json.loads(ORJSONRenderer().render(data))

    assert rendered == {
        "value": BIG,
        "at": "2026-11-22T04:30:15.250000+00:00",
        "id": str(identifier),
        "text": "été",
        "list": [1, None, 2.5],
    }
    assert json.loads(ORJSONRenderer().render({**data, "value": 1})) == {**rendered, "value": 1}


def test_the_renderer_still_refuses_what_it_cannot_write():
    with pytest.raises(TypeError):
        ORJSONRenderer().render({"value": BIG, "other": object()})


def test_the_renderer_writes_a_time_ordered_uuid_as_any_uuid():
    identifier = time_ordered_uuid()

    assert json.loads(ORJSONRenderer().render({"id": identifier})) == {"id": str(UUID(int=identifier.int))}
    assert json.loads(ORJSONRenderer().render({"id": identifier, "big": BIG})) == {"id": str(identifier), "big": BIG}
