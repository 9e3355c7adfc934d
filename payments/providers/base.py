"""The interface every payment provider implements, and the plain values that cross it.

A provider answers a charge with a ChargeResult (succeeded, processing, requires_action or declined) and raises
ProviderUnavailable when it cannot answer (network, its 5xx, rate limits): that is never the customer's decline, so
the caller keeps the invoice unpaid, records the error and schedules a retry.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from customers.models import Customer


class ProviderUnavailable(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ChargeOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"
    REQUIRES_ACTION = "requires_action"
    DECLINED = "declined"


@dataclass(frozen=True)
class ChargeRequest:
    amount_cents: int
    currency: str
    provider_customer_id: str
    idempotency_key: str
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    outcome: ChargeOutcome
    provider_payment_id: str = ""
    payment_url: str = ""
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    amount_cents: int


class PaymentProvider(Protocol):
    name: str

    def customer_id(self, *, customer: Customer) -> str:
        """The customer's id at the provider, created there when the customer asks to be synced; "" when none."""

    def charge(self, *, request: ChargeRequest) -> ChargeResult:
        """Charges the customer's default payment method off-session, once per idempotency key."""

    def refund(self, *, provider_payment_id: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        """Refunds a succeeded charge, once per idempotency key."""
