"""Celery entry points of the billing cycle: thin wrappers that take ids and instants and call the services."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from billing.models import Organization
from invoicing.pdf.services import invoice_pdf_generate
from invoicing.selectors.billing import subscription_ids_due
from invoicing.services.cycle import BATCH_SIZE, batched, subscriptions_bill
from invoicing.services.in_advance import EventKey, in_advance_events_bill
from invoicing.services.invoices import drafts_finalize_due
from plans.services.subscriptions import subscriptions_activate_due


@shared_task(name="invoicing.billing_tick")
def billing_tick(at: str | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Finds every subscription owing a billing moment now and fans out one task per batch of them; each task
    re-reads its rows and bills idempotently, so a duplicated or retried task bills nothing twice."""
    instant = datetime.fromisoformat(at) if at else timezone.now()
    subscriptions_activate_due(at=instant)
    batches = 0
    for batch in batched(subscription_ids_due(at=instant), batch_size):
        bill_subscriptions.delay([str(subscription_id) for subscription_id in batch], instant.isoformat())
        batches += 1
    finalize_due_drafts.delay(instant.isoformat())
    return batches


@shared_task(name="invoicing.bill_subscriptions", acks_late=True, autoretry_for=(ConnectionError,), max_retries=5)
def bill_subscriptions(subscription_ids: list[str], at: str) -> int:
    return len(subscriptions_bill(subscription_ids=subscription_ids, at=datetime.fromisoformat(at)))


@shared_task(name="invoicing.finalize_due_drafts")
def finalize_due_drafts(at: str | None = None) -> int:
    """Drafts whose grace period is over are refreshed with late usage and finalized."""
    return drafts_finalize_due(at=datetime.fromisoformat(at) if at else timezone.now())


@shared_task(name="invoicing.bill_events_in_advance", acks_late=True, autoretry_for=(ConnectionError,), max_retries=5)
def bill_events_in_advance(organization_id: str, events: list[list[str]]) -> int:
    """Bills the events ([external_subscription_id, transaction_id, code, ISO timestamp]) that charges paid in
    advance count; re-reads the events and skips those billed already, so a retry bills nothing twice."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    keys = [
        EventKey(
            external_subscription_id=external_id,
            transaction_id=transaction_id,
            code=code,
            timestamp=datetime.fromisoformat(timestamp),
        )
        for external_id, transaction_id, code, timestamp in events
    ]
    billing = in_advance_events_bill(organization=organization, events=keys)
    return len(billing.invoices) + len(billing.uninvoiced_fees)


@shared_task(
    name="invoicing.render_invoice_pdf", acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def render_invoice_pdf(invoice_id: str, regenerate: bool = False) -> bool:
    """Renders and stores an invoice's PDF (a storage error is retried); False for a draft or a missing invoice."""
    return invoice_pdf_generate(invoice_id=invoice_id, regenerate=regenerate) is not None


@shared_task(
    name="invoicing.render_invoice_pdfs", acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def render_invoice_pdfs(invoice_ids: list[str]) -> int:
    """Renders the PDFs of newly finalized invoices; a retry skips those already rendered."""
    return sum(invoice_pdf_generate(invoice_id=invoice_id) is not None for invoice_id in invoice_ids)
