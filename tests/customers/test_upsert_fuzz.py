"""Whatever JSON a client sends under a known key, the answer is a 200 or a 422, never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.customers.conftest import FULL_PAYLOAD, upsert

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=25), children, max_size=6),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(FULL_PAYLOAD)), value=json_values)
def test_any_value_under_a_known_key_is_accepted_or_refused_cleanly(api, key, value):
    response = upsert(api, **{**FULL_PAYLOAD, key: value})

    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert response.json()["code"] == "validation_errors"
        assert any(path.split(".")[0] in (key, "external_id") for path in response.json()["error_details"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(sorted(FULL_PAYLOAD["billing_configuration"])), value=json_values)
def test_any_value_inside_billing_configuration_is_accepted_or_refused_cleanly(api, field, value):
    response = upsert(api, external_id="fuzz", billing_configuration={field: value})

    assert response.status_code in (200, 422), response.content


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=json_values)
def test_any_metadata_entry_is_accepted_or_refused_cleanly(api, entry):
    response = upsert(api, external_id="fuzz", metadata=[entry])

    assert response.status_code in (200, 422), response.content
