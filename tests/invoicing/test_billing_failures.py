"""What billing could not bill is kept as an open BillingFailure, counted when it fails again, resolved when it is
billed (by the next run once corrected, or by a retry), and shown to the finance team in the admin."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError

from invoicing.models import BillingFailure, Fee
from invoicing.services.retry import billing_failures_retry
from plans.models import Charge, Subscription
from tests.factories.billing import OrganizationFactory
from tests.invoicing.billing_client import bill, invoices_of
from tests.invoicing.pay_in_advance_client import in_advance_amounts
from tests.invoicing.test_admin import run_action, staff_member

pytestmark = pytest.mark.django_db
APRIL_RUN = datetime(2022, 4, 1, 1, tzinfo=UTC)
FAILURES = "/admin/invoicing/billingfailure/"
CHEAP = {"amount": "0.0000000001"}  # 10**18 calls then cost 100,000,000


def _bill_failing(at: datetime = APRIL_RUN) -> None:
    with pytest.raises(CommandError, match="1 subscriptions could not be billed"):
        bill(at)


def test_a_moment_that_cannot_be_billed_is_kept_open_and_counted_each_run(huge_and_fine):
    _bill_failing()
    _bill_failing()

    [failure] = BillingFailure.objects.all()
    assert (failure.subscription.external_id, failure.kind, failure.at) == (
        "sub_huge", BillingFailure.Kind.MOMENT, datetime(2022, 4, 1, tzinfo=UTC),
    )  # fmt: skip
    assert "Invoice.fees_amount" in failure.reason
    assert failure.attempts == 2 and failure.resolved_at is None
    assert failure.first_failed_at < failure.last_failed_at
    assert len(invoices_of("sub_fine")) == 1  # the other subscription is billed, and has no failure


def test_the_next_run_after_the_correction_resolves_it(huge_and_fine):
    _bill_failing()
    Charge.objects.update(properties=CHEAP)

    bill(APRIL_RUN)

    [failure] = BillingFailure.objects.all()
    assert failure.resolved_at is not None and failure.attempts == 1
    [invoice] = invoices_of("sub_huge")
    assert invoice.total_amount == Decimal("100000031.00")


def test_a_run_before_the_failed_moment_resolves_nothing(huge_and_fine):
    _bill_failing(datetime(2022, 5, 1, 1, tzinfo=UTC))  # April's moment fails; May's waits behind it
    Charge.objects.update(properties=CHEAP)

    bill(datetime(2022, 3, 31, tzinfo=UTC))  # nothing of sub_huge is due yet

    assert BillingFailure.objects.get().resolved_at is None


def test_a_retry_bills_once_corrected_and_counts_another_failure_before(huge_and_fine):
    _bill_failing()

    outcome = billing_failures_retry(failures=BillingFailure.objects.all(), now=APRIL_RUN)

    assert (outcome.billed, outcome.still_failing) == (0, 1)
    assert BillingFailure.objects.get().attempts == 2
    Charge.objects.update(properties=CHEAP)

    outcome = billing_failures_retry(failures=BillingFailure.objects.all(), now=APRIL_RUN)

    assert (outcome.billed, outcome.still_failing) == (1, 0)
    assert BillingFailure.objects.get().resolved_at is not None
    assert len(invoices_of("sub_huge")) == 1
    # Retrying what is resolved bills nothing more.
    assert billing_failures_retry(failures=BillingFailure.objects.all(), now=APRIL_RUN).billed == 0
    assert len(invoices_of("sub_huge")) == 1


@pytest.mark.parametrize("in_advance_failure", [True, False], indirect=True, ids=["invoiceable", "not_invoiceable"])
def test_an_event_fee_that_cannot_be_billed_is_kept_and_billed_by_a_retry_once_corrected(in_advance_failure):
    [failure] = BillingFailure.objects.all()
    assert (failure.kind, failure.event_transaction_id, failure.code, failure.at) == (
        BillingFailure.Kind.EVENT_FEE, "t_huge", in_advance_failure["code"], datetime(2026, 3, 5, tzinfo=UTC),
    )  # fmt: skip
    assert failure.charge == Charge.objects.get() and failure.resolved_at is None
    assert set(in_advance_amounts()) == {"t_fine"}

    Charge.objects.update(properties=CHEAP)
    outcome = billing_failures_retry(failures=[failure])

    assert (outcome.billed, outcome.still_failing) == (1, 0)
    assert in_advance_amounts()["t_huge"] == Decimal("100000000.000000")
    assert BillingFailure.objects.get().resolved_at is not None
    assert Fee.objects.filter(event_transaction_id="t_fine").count() == 1  # billed once, not again by the retry


def test_the_admin_lists_open_failures_and_retries_them(admin_client, huge_and_fine):
    _bill_failing()

    page = admin_client.get(FAILURES, {"state": "open"}).content.decode()
    assert "sub_huge" in page and "Invoice.fees_amount" in page
    assert "sub_huge" not in admin_client.get(FAILURES, {"state": "resolved"}).content.decode()

    page = run_action(admin_client, FAILURES, "retry", BillingFailure.objects.get())
    assert "1 failure(s) still cannot be billed" in page

    Charge.objects.update(properties=CHEAP)
    page = run_action(admin_client, FAILURES, "retry", BillingFailure.objects.get())
    assert "Billed 1 failure(s)." in page
    assert BillingFailure.objects.get().resolved_at is not None
    assert admin_client.get(f"{FAILURES}{BillingFailure.objects.get().pk}/change/").status_code == 200


def test_bill_now_names_the_subscription_it_could_not_bill(admin_client, huge_and_fine):
    huge = Subscription.objects.get(external_id="sub_huge")

    page = run_action(admin_client, "/admin/plans/subscription/", "bill_now", huge)

    assert "Could not bill sub_huge at 2022-04-01 00:00" in page and "Invoice.fees_amount" in page
    assert BillingFailure.objects.filter(subscription=huge, resolved_at__isnull=True).count() == 1


def test_a_staff_member_sees_only_the_failures_of_its_organization(client, organization, huge_and_fine):
    _bill_failing()
    failure = BillingFailure.objects.get()
    assert failure.organization == organization
    staff_member(client, OrganizationFactory(name="Globex"), "view_billingfailure")

    assert "sub_huge" not in client.get(FAILURES).content.decode()
    assert client.get(f"{FAILURES}{failure.pk}/change/").status_code in (302, 404)
