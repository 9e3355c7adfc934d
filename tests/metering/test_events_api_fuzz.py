"""Whatever a client sends to the events endpoints, the answer is a 200 that stored every event of the body, or a 4xx
in Lago's error shape that stored nothing: never a 500 (an amount of 10**13 once raised one)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metering.models import Event
from tests.factories.metering import NOW_SECONDS, frozen_now, usage_catalog

pytestmark = pytest.mark.django_db

REFUSALS = {400, 413, 422}

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
)
_ids = st.one_of(st.text(max_size=6), st.sampled_from(["sub_1", "api_calls", "x" * 256]), _json)
_numbers = st.one_of(
    st.integers(min_value=NOW_SECONDS - 10**9, max_value=NOW_SECONDS + 10**6),
    st.floats(min_value=NOW_SECONDS - 10**8, max_value=NOW_SECONDS + 10**5),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=10**12, max_value=10**26),  # around the amount's 25 integer digits
    st.decimals(min_value=-(10**26), max_value=10**26, places=16).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["1e30", "-0", "1E+2", ".5", "5.", "2026-11-21T12:00:00Z", "NaN", "Infinity", ""]),
    _json,
)
_events = st.fixed_dictionaries(
    {},
    optional={
        "transaction_id": _ids,
        "external_subscription_id": _ids,
        "code": _ids,
        "timestamp": _numbers,
        "properties": st.one_of(st.dictionaries(st.text(max_size=4), _json, max_size=4), _json),
        "precise_total_amount_cents": _numbers,
    },
)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    return frozen_now(monkeypatch)


@pytest.fixture(autouse=True)
def catalog(organization):
    """A metric and an active subscription, so that clean events are accepted without diagnostics."""
    return usage_catalog(organization)


def assert_answered_cleanly(api, path: str, body, stored_if_accepted: int) -> None:
    before = Event.objects.count()
    response = api.post(path, json.dumps(body), content_type="application/json")
    stored = Event.objects.count() - before
    if response.status_code == 200:
        assert stored == stored_if_accepted
        return
    assert response.status_code in REFUSALS, response.content
    assert set(response.json()) >= {"status", "error", "code"} and response.json()["status"] == response.status_code
    assert stored == 0


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(events=st.lists(st.one_of(_events, _json), max_size=5), extra=st.dictionaries(st.text(max_size=3), _json))
def test_a_batch_of_anything_is_stored_whole_or_refused_cleanly(api, events, extra):
    assert_answered_cleanly(api, "/api/v1/events/batch", {**extra, "events": events}, len(events))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(event=st.one_of(_events, _json))
def test_a_single_event_of_anything_is_stored_or_refused_cleanly(api, event):
    assert_answered_cleanly(api, "/api/v1/events", {"event": event}, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_json)
def test_any_json_body_is_refused_cleanly_unless_it_holds_events(api, body):
    assert_answered_cleanly(
        api, "/api/v1/events/batch", body, len(body.get("events") or []) if isinstance(body, dict) else 0
    )
