"""Invoice PDFs per second: a typical ten-line invoice (the plan's fee and nine charge fees, some per filter or pricing
group, one tax), rendered and stored the way the `invoicing.render_invoice_pdf` task does it (read the invoice, lay
out the template, print it with WeasyPrint, store the file, update the row), by one process per core.

Each process renders its own invoice, so that the row lock the store step takes never makes them wait on each other.
The phases (select, render, store) are also timed alone in one process.
"""

import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from celery import current_app
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.test import override_settings

from billing.models import Organization
from billing.money import round_to_minor_unit
from billing.services import organization_create, sequence_allocate
from customers.models import Customer
from invoicing.models import Fee, FeeAppliedTax, Invoice, InvoiceAppliedTax
from invoicing.numbering import invoice_number
from invoicing.pdf.rendering import invoice_pdf_bytes
from invoicing.pdf.selectors import invoice_document, invoice_for_document
from invoicing.pdf.services import invoice_file_name, invoice_pdf_generate
from invoicing.services.issuing import INVOICE_SEQUENCE
from plans.models import Plan, Subscription
from plans.services.plans import plan_create

CURRENCY = "EUR"
PERIOD = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
VAT = ("vat", "VAT", Decimal(19))
# (name, fee type, units, precise amount, filter values, grouped by)
LINES = (
    ("Business plan", Fee.FeeType.SUBSCRIPTION, Decimal(1), Decimal("499.00"), {}, {}),
    ("API calls", Fee.FeeType.CHARGE, Decimal(182_340), Decimal("364.68"), {}, {}),
    ("Compute hours", Fee.FeeType.CHARGE, Decimal("812.5"), Decimal("97.50"), {"region": ["eu-west"]}, {}),
    ("Compute hours", Fee.FeeType.CHARGE, Decimal("120.25"), Decimal("14.43"), {"region": ["us-east"]}, {}),
    ("Seats", Fee.FeeType.CHARGE, Decimal(14), Decimal("140.00"), {}, {"workspace": "research"}),
    ("Seats", Fee.FeeType.CHARGE, Decimal(6), Decimal("60.00"), {}, {"workspace": "sales"}),
    ("Storage GB", Fee.FeeType.CHARGE, Decimal("2048.7"), Decimal("40.97"), {}, {}),
    ("Bandwidth GB", Fee.FeeType.CHARGE, Decimal(930), Decimal("46.50"), {}, {}),
    ("Emails sent", Fee.FeeType.CHARGE, Decimal(25_000), Decimal("2.50"), {}, {}),
    ("Premium support", Fee.FeeType.CHARGE, Decimal(1), Decimal("150.00"), {}, {}),
)
PHASE_RUNS = 20


@dataclass(frozen=True)
class PdfOptions:
    seconds: float
    warmups: int = 3
    processes: int = os.cpu_count() or 1


def _organization() -> tuple[Organization, Plan]:
    organization, _key = organization_create(
        name=f"PDF bench {time.time_ns()}",
        default_currency=CURRENCY,
        legal_name="Bench Billing GmbH",
        address_line1="Friedrichstraße 123",
        zipcode="10117",
        city="Berlin",
        country="DE",
        tax_identification_number="DE999999999",
        email="billing@bench.test",
        document_locale="de",
    )
    plan = plan_create(
        organization=organization,
        name="Business",
        code="business",
        interval="monthly",
        amount_cents=49_900,
        amount_currency=CURRENCY,
    )
    return organization, plan


def typical_invoices(count: int) -> list[UUID]:
    """`count` finalized invoices of ten lines each, one per customer, without their PDFs."""
    organization, plan = _organization()
    invoice_ids = []
    for number in range(count):
        with transaction.atomic():
            invoice_ids.append(_invoice(organization, plan, number).id)
    return invoice_ids


def _invoice(organization: Organization, plan: Plan, number: int) -> Invoice:
    customer = Customer.objects.create(
        organization=organization,
        external_id=f"pdf-bench-{number}",
        sequential_id=number + 1,
        slug=f"pdf-bench-{number + 1:06d}",
        name=f"Customer {number} AG",
        address_line1="Bahnhofstrasse 1",
        zipcode="8001",
        city="Zürich",
        country="CH",
        tax_identification_number="CHE-123.456.789",
        currency=CURRENCY,
    )
    subscription = Subscription.objects.create(
        organization=organization,
        customer=customer,
        plan=plan,
        external_id=f"pdf-bench-sub-{number}",
        status=Subscription.Status.ACTIVE,
        subscription_at=PERIOD[0],
        started_at=PERIOD[0],
    )
    [sequential_id] = sequence_allocate(organization=organization, name=INVOICE_SEQUENCE, count=1)
    issued = date(2026, 2, 1)
    invoice = Invoice.objects.create(
        organization=organization,
        customer=customer,
        sequential_id=sequential_id,
        number=invoice_number(organization=organization, issuing_date=issued, sequential_id=sequential_id),
        status=Invoice.Status.FINALIZED,
        currency=CURRENCY,
        issuing_date=issued,
        payment_due_date=date(2026, 3, 3),
        net_payment_term=30,
    )
    code, name, rate = VAT
    fees_amount = taxes_amount = Decimal(0)
    for item_name, fee_type, units, precise_amount, filter_values, grouped_by in LINES:
        amount = round_to_minor_unit(precise_amount, CURRENCY)
        tax = round_to_minor_unit(amount * rate / 100, CURRENCY)
        fee = Fee.objects.create(
            organization=organization,
            invoice=invoice,
            subscription=subscription,
            fee_type=fee_type,
            item_code=item_name.lower().replace(" ", "_"),
            item_name=item_name,
            filter_values=filter_values,
            grouped_by=grouped_by,
            units=units,
            currency=CURRENCY,
            precise_amount=precise_amount,
            amount=amount,
            precise_unit_amount=precise_amount / units,
            taxes_rate=rate,
            taxes_amount=tax,
            from_datetime=PERIOD[0],
            to_datetime=PERIOD[1],
        )
        FeeAppliedTax.objects.create(fee=fee, tax_code=code, tax_name=name, tax_rate=rate, amount=tax)
        fees_amount += amount
        taxes_amount += tax
    InvoiceAppliedTax.objects.create(
        invoice=invoice, tax_code=code, tax_name=name, tax_rate=rate, amount=taxes_amount, fees_amount=fees_amount
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        fees_amount=fees_amount,
        sub_total_excluding_taxes_amount=fees_amount,
        taxes_amount=taxes_amount,
        sub_total_including_taxes_amount=fees_amount + taxes_amount,
        total_amount=fees_amount + taxes_amount,
    )
    return invoice


def _milliseconds(samples: list[float]) -> dict:
    return {"p50": round(statistics.median(samples) * 1000, 1), "max": round(max(samples) * 1000, 1)}


def phases(invoice_id: UUID) -> dict:
    """Each step of the task timed alone, in this process, after a warm-up (fonts, template)."""
    invoice_pdf_generate(invoice_id=invoice_id, regenerate=True)
    timings: dict[str, list[float]] = {"select": [], "render": [], "store": []}
    pdf = b""
    for _ in range(PHASE_RUNS):
        started = time.perf_counter()
        document = invoice_document(invoice=invoice_for_document(invoice_id=invoice_id))
        selected = time.perf_counter()
        pdf = invoice_pdf_bytes(document=document)
        rendered = time.perf_counter()
        invoice = Invoice.objects.get(pk=invoice_id)
        previous = invoice.file.name
        invoice.file.save(invoice_file_name(invoice), ContentFile(pdf), save=False)
        invoice.save(update_fields=["file"])
        invoice.file.storage.delete(previous)
        stored = time.perf_counter()
        timings["select"].append(selected - started)
        timings["render"].append(rendered - selected)
        timings["store"].append(stored - rendered)
    return {
        "ms": {phase: _milliseconds(samples) for phase, samples in timings.items()},
        "pdf_bytes": len(pdf),
        "pdf_is_pdf": pdf.startswith(b"%PDF-"),
    }


def _render_loop(invoice_id: UUID, seconds: float, warmups: int, start, results) -> None:
    """One worker process: warm up, wait for the others, then render and store for `seconds`."""
    try:
        for _ in range(warmups):
            invoice_pdf_generate(invoice_id=invoice_id, regenerate=True)
        start.wait()
        began, cpu_began = time.perf_counter(), time.process_time()
        deadline = began + seconds
        invoices = 0
        while time.perf_counter() < deadline:
            invoice_pdf_generate(invoice_id=invoice_id, regenerate=True)
            invoices += 1
        results.put((invoices, time.perf_counter() - began, time.process_time() - cpu_began, None))
    except Exception as exc:  # reported by the parent, which must not wait forever on a dead worker
        start.abort()
        results.put((0, 0.0, 0.0, repr(exc)))
    finally:
        connections.close_all()


def throughput(invoice_ids: list[UUID], *, seconds: float, warmups: int) -> dict:
    """Invoices per second over len(invoice_ids) forked processes, one invoice each."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(invoice_ids))
    results = context.Queue()
    connections.close_all()  # each child opens its own connection
    workers = [
        context.Process(target=_render_loop, args=(invoice_id, seconds, warmups, start, results))
        for invoice_id in invoice_ids
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=seconds + 300) for _ in workers]
    for worker in workers:
        worker.join()
    problems = [error for *_figures, error in outcomes if error]
    invoices = sum(count for count, *_rest in outcomes)
    rate = sum(count / elapsed for count, elapsed, *_rest in outcomes if elapsed)
    cpu_seconds = sum(cpu for _count, _elapsed, cpu, _error in outcomes)
    cpu_ms = 1000 * cpu_seconds / invoices if invoices else None
    return {
        "processes": len(invoice_ids),
        "invoices": invoices,
        "invoices_per_s": round(rate, 1),
        "ms_per_invoice_per_process": round(1000 * len(invoice_ids) / rate, 1) if rate else None,
        # The workers' own CPU time (not PostgreSQL's): what each invoice costs whatever else runs on the machine.
        "cpu_ms_per_invoice": round(cpu_ms, 1) if cpu_ms else None,
        "projected_idle_invoices_per_s": round(len(invoice_ids) * 1000 / cpu_ms, 1) if cpu_ms else None,
        "problems": problems,
    }


def pdf_bench(workdir: Path, options: PdfOptions) -> dict:
    # The GENERATED listeners enqueue their tasks after each PDF: an in-memory broker keeps that cost in the
    # figure without needing a broker server.
    current_app.conf.broker_url = "memory://"
    with override_settings(MEDIA_ROOT=str(workdir / "media")):
        invoice_ids = typical_invoices(max(options.processes, 1))
        single = phases(invoice_ids[0])
        one = throughput(invoice_ids[:1], seconds=options.seconds, warmups=options.warmups)
        every_core = throughput(invoice_ids, seconds=options.seconds, warmups=options.warmups)
    problems = one["problems"] + every_core["problems"]
    if not single["pdf_is_pdf"]:
        problems.append("the renderer did not produce a PDF")
    return {
        "invoice": {"lines": len(LINES), "currency": CURRENCY, "locale": "de", "pdf_bytes": single["pdf_bytes"]},
        "seconds": options.seconds,
        "phases_ms": single["ms"],
        "one_process": one,
        "one_process_per_core": every_core,
        "invoices_per_s": every_core["invoices_per_s"],
        "projected_idle_invoices_per_s": every_core["projected_idle_invoices_per_s"],
        "problems": problems,
    }
