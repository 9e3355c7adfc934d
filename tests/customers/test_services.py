import pytest

from billing.errors import NotAllowed, NotFound, ValidationFailed
from billing.models import Sequence
from customers import services
from customers.deletion_hooks import _hooks
from customers.models import Customer
from customers.selectors import customer_get
from customers.services import (
    MetadataEntry,
    customer_assign_currency,
    customer_delete,
    customer_get_or_create,
    customer_upsert,
)
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db


def test_get_or_create_creates_once(organization):
    first = customer_get_or_create(organization=organization, external_id="sub_cust")
    second = customer_get_or_create(organization=organization, external_id="sub_cust")

    assert first.pk == second.pk
    assert Customer.objects.filter(organization=organization).count() == 1
    assert first.sequential_id == 1


def test_get_or_create_does_not_return_a_deleted_customer(organization):
    deleted = customer_delete(customer=CustomerFactory(organization=organization, external_id="gone"))

    revived = customer_get_or_create(organization=organization, external_id="gone")

    assert revived.pk != deleted.pk
    assert revived.deleted_at is None


@pytest.mark.parametrize(
    ("current", "assigned", "expected"),
    [
        ("", "EUR", "EUR"),
        ("EUR", "EUR", "EUR"),
    ],
)
def test_assign_currency_sets_a_missing_or_equal_currency(organization, current, assigned, expected):
    customer = CustomerFactory(organization=organization, currency=current)

    returned = customer_assign_currency(customer=customer, currency=assigned)

    assert returned.currency == expected
    customer.refresh_from_db()
    assert customer.currency == expected


@pytest.mark.parametrize(
    ("current", "assigned", "code"),
    [
        ("USD", "EUR", "currencies_does_not_match"),
        ("", "ZZZ", "value_is_invalid"),
        ("", "", "value_is_invalid"),
    ],
)
def test_assign_currency_refusals(organization, current, assigned, code):
    customer = CustomerFactory(organization=organization, currency=current)

    with pytest.raises(ValidationFailed) as refused:
        customer_assign_currency(customer=customer, currency=assigned)

    assert refused.value.details == {"currency": [code]}
    customer.refresh_from_db()
    assert customer.currency == current


def test_assign_currency_reads_the_stored_currency_not_a_stale_instance(organization):
    customer = CustomerFactory(organization=organization, currency="")
    Customer.objects.filter(pk=customer.pk).update(currency="USD")

    with pytest.raises(ValidationFailed):
        customer_assign_currency(customer=customer, currency="EUR")


def test_upsert_refuses_unknown_fields(organization):
    with pytest.raises(TypeError, match="sequential_id"):
        customer_upsert(organization=organization, external_id="x", sequential_id=9)


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"country": "XX"}, {"country": ["country_code_invalid"]}),
        ({"timezone": "Mars/Olympus"}, {"timezone": ["invalid_timezone"]}),
        ({"net_payment_term": -1}, {"net_payment_term": ["value_is_out_of_range"]}),
        ({"payment_provider": "paypal"}, {"payment_provider": ["value_is_invalid"]}),
        ({"metadata": [MetadataEntry(key="k", value="")]}, {"metadata.0.value": ["value_is_mandatory"]}),
    ],
)
def test_upsert_validates_for_callers_other_than_the_api(organization, fields, details):
    with pytest.raises(ValidationFailed) as refused:
        customer_upsert(organization=organization, external_id="x", **fields)

    assert refused.value.details == details
    assert not Customer.objects.exists()


def test_upsert_returns_created_flag(organization):
    assert customer_upsert(organization=organization, external_id="x")[1] is True
    assert customer_upsert(organization=organization, external_id="x", name="n")[1] is False


def test_upsert_that_loses_a_creation_race_updates_the_winner(organization, monkeypatch):
    winner = CustomerFactory(organization=organization, external_id="raced", name="Winner")
    real_lookup = services._live_customer_for_update
    lookups = []

    def lookup_missing_the_first_time(**kwargs):
        lookups.append(kwargs)
        return None if len(lookups) == 1 else real_lookup(**kwargs)  # the winner had not committed at our first look

    monkeypatch.setattr(services, "_live_customer_for_update", lookup_missing_the_first_time)

    customer, created = customer_upsert(organization=organization, external_id="raced", city="Lyon")

    assert created is False
    assert customer.pk == winner.pk
    assert customer.city == "Lyon"
    assert Customer.objects.filter(external_id="raced").count() == 1
    assert Sequence.objects.get(organization=organization, name="customer").value == 1


def test_delete_of_an_already_deleted_customer_is_not_found(organization):
    customer = CustomerFactory(organization=organization)
    customer_delete(customer=customer)

    with pytest.raises(NotFound):
        customer_delete(customer=customer)


def test_a_hook_refusing_the_deletion_leaves_the_customer_alive(organization):
    customer = CustomerFactory(organization=organization, external_id="kept")

    def refuse(*, customer, at):
        raise NotAllowed("customer_has_open_invoices")

    _hooks.append(refuse)
    try:
        with pytest.raises(NotAllowed):
            customer_delete(customer=customer)
    finally:
        _hooks.remove(refuse)

    assert customer_get(organization=organization, external_id="kept").deleted_at is None
