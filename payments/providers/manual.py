"""Manual collection: the customer pays outside the platform (a transfer, a cheque) and someone marks the invoice
paid, through the API (PUT /api/v1/invoices/:id) or the admin."""

from customers.models import Customer
from payments.providers.base import ChargeOutcome, ChargeRequest, ChargeResult, RefundResult


class ManualProvider:
    name = "manual"

    def customer_id(self, *, customer: Customer) -> str:
        return customer.provider_customer_id

    def charge(self, *, request: ChargeRequest) -> ChargeResult:
        return ChargeResult(outcome=ChargeOutcome.PROCESSING)  # until it is marked paid

    def refund(self, *, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        return RefundResult(provider_refund_id="", amount_cents=amount_cents)  # money goes back outside too
