"""Stripe accounts, customers set up at (local)Stripe with a card, and invoices to collect from them."""

import secrets
from decimal import Decimal

import factory
import stripe

from invoicing.models import Invoice
from payments.models import DunningSchedule, StripeAccount
from tests.factories.billing import OrganizationFactory
from tests.factories.invoicing import invoice_with_fees
from tests.factories.subscriptions import SubscriptionCustomerFactory

VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"  # attaches to a customer, every charge is declined
REQUIRES_3DS = "4000002500003155"
WEBHOOK_SECRET = "whsec_test_payments"


class StripeAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StripeAccount

    organization = factory.SubFactory(OrganizationFactory)
    secret_key = factory.LazyFunction(lambda: f"sk_test_{secrets.token_hex(12)}")
    webhook_secret = WEBHOOK_SECRET


class DunningScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DunningSchedule

    organization = factory.SubFactory(OrganizationFactory)
    retry_delays_days = factory.LazyFunction(lambda: [1, 3, 7])


def stripe_customer_with_card(client: stripe.StripeClient, card_number: str = VISA) -> str:
    """A Stripe customer whose default payment method is a card with this number, as the customer would have set
    it up at Stripe (the card is attached at the customer's creation)."""
    payment_method = client.v1.payment_methods.create(
        {"type": "card", "card": {"number": card_number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    customer = client.v1.customers.create(
        {
            "name": "Ada Lovelace",
            "payment_method": payment_method.id,
            "invoice_settings": {"default_payment_method": payment_method.id},
        }
    )
    return customer.id


def stripe_invoice(
    organization, *, provider_customer_id: str = "", amount: str = "10.00", **customer_fields
) -> Invoice:
    """A finalized, unpaid invoice of `amount` USD of a customer collected through Stripe."""
    customer = SubscriptionCustomerFactory(
        organization=organization,
        payment_provider="stripe",
        provider_customer_id=provider_customer_id,
        **customer_fields,
    )
    return invoice_with_fees(organization=organization, customer=customer, fees=[{"precise_amount": Decimal(amount)}])
