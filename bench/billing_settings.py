"""The production settings for the billing benchmark's Celery worker, plus routes that park what a finalized invoice
enqueues (its PDF, its webhook, its payment collection) in a queue no benchmark worker consumes: billing is measured
with the enqueueing but without that follow-up work, PDFs excluded as the target says. The benchmarking process
applies the same routes to its own Celery app (bench.billing)."""

from billing.settings import *  # noqa: F403

FOLLOW_UP_QUEUE = "bench-invoice-follow-ups"
FOLLOW_UP_TASKS = (
    "invoicing.render_invoice_pdf",
    "invoicing.render_invoice_pdfs",
    "invoicing.emit_invoice_webhook",
    "payments.collect_invoice",
)
CELERY_TASK_ROUTES = {name: {"queue": FOLLOW_UP_QUEUE} for name in FOLLOW_UP_TASKS}
