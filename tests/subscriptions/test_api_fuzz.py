"""Whatever JSON a client puts in a subscription, the answer is a 200 or a 4xx in Lago's shape that created nothing:
never a server error."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from plans.models import Subscription
from tests.subscriptions.conftest import subscribe

pytestmark = pytest.mark.django_db

_ids = itertools.count()
_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(
            ["2026-03-15T10:30:00Z", "2026-02-30", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "basic"]
        ),
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
)
KEYS = ["external_customer_id", "plan_code", "external_id", "name", "billing_time", "subscription_at", "ending_at",
        "plan_overrides"]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.sampled_from(KEYS), value=_json)
def test_any_value_in_a_subscription_is_stored_or_refused_cleanly(api, plans, key, value):
    number = next(_ids)
    fields = {"external_customer_id": f"cust_{number}", "plan_code": "basic", "external_id": f"sub_{number}"}
    before = (Customer.objects.count(), Subscription.objects.count())

    response = subscribe(api, **{**fields, key: value})

    if response.status_code != 200:
        assert response.status_code in (400, 404, 422), response.content
        assert response.json()["status"] == response.status_code
        assert (Customer.objects.count(), Subscription.objects.count()) == before
