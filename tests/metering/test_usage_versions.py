"""Usage versions: ingestion changes the token of every subscription a batch touched, and only theirs."""

from uuid import uuid4

import pytest

from metering.usage_versions import usage_changed, usage_version


@pytest.mark.parametrize("touched", [["sub_a"], ["sub_a", "sub_b"], ["sub_a", "sub_a"]])
def test_a_batch_changes_the_versions_of_its_subscriptions_only(touched):
    organization_id = uuid4()
    before = {name: usage_version(organization_id=organization_id, external_subscription_id=name) for name in ("sub_a", "sub_b", "sub_c")}  # fmt: skip

    usage_changed(organization_id=organization_id, external_subscription_ids=iter(touched))

    after = {name: usage_version(organization_id=organization_id, external_subscription_id=name) for name in before}
    assert {name for name in before if after[name] != before[name]} == set(touched)
    assert all(token is not None for token in after.values())


@pytest.mark.parametrize("external_id", ["with spaces", "ctrl\x01char", "ก ำ", "x" * 255])
def test_any_subscription_id_makes_a_portable_cache_key_and_keeps_its_own_version(external_id, recwarn):
    organization_id = uuid4()
    first = usage_version(organization_id=organization_id, external_subscription_id=external_id)

    usage_changed(organization_id=organization_id, external_subscription_ids=[external_id])

    assert usage_version(organization_id=organization_id, external_subscription_id=external_id) != first
    assert usage_version(organization_id=organization_id, external_subscription_id=external_id + " ") is not None
    assert not [warning for warning in recwarn if "CacheKeyWarning" in type(warning.message).__name__]
