import uuid

from django.db import models

from billing.models import Organization
from customers.validators import (
    validate_country_code,
    validate_currency_code,
    validate_document_locale,
    validate_email_addresses,
    validate_timezone_name,
)


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Customer(models.Model):
    class CustomerType(models.TextChoices):
        COMPANY = "company"
        INDIVIDUAL = "individual"

    class PaymentProvider(models.TextChoices):
        STRIPE = "stripe"
        MANUAL = "manual"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customers")
    external_id = models.CharField(max_length=255)
    sequential_id = models.PositiveIntegerField(editable=False)
    slug = models.CharField(max_length=64, editable=False)

    name = models.CharField(max_length=255, blank=True)
    firstname = models.CharField(max_length=255, blank=True)
    lastname = models.CharField(max_length=255, blank=True)
    customer_type = models.CharField(max_length=16, choices=CustomerType.choices, blank=True)
    email = models.CharField(max_length=255, blank=True, validators=[validate_email_addresses])
    phone = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=255, blank=True)
    legal_name = models.CharField(max_length=255, blank=True)
    legal_number = models.CharField(max_length=255, blank=True)
    tax_identification_number = models.CharField(max_length=255, blank=True)

    address_line1 = models.CharField(max_length=255, blank=True)
    address_line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=255, blank=True)
    zipcode = models.CharField(max_length=32, blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country_code], help_text="ISO 3166-1 alpha-2"
    )

    currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[validate_currency_code],
        help_text="ISO 4217; empty until set or first subscribed",
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone_name],
        help_text="IANA name; empty falls back to the organization's",
    )
    net_payment_term = models.PositiveIntegerField(null=True, blank=True)

    # billing_configuration
    invoice_grace_period = models.PositiveIntegerField(null=True, blank=True)
    payment_provider = models.CharField(max_length=16, choices=PaymentProvider.choices, blank=True)
    provider_customer_id = models.CharField(max_length=255, blank=True)
    sync_with_provider = models.BooleanField(default=False)
    document_locale = models.CharField(max_length=16, blank=True, validators=[validate_document_locale])
    taxes = models.ManyToManyField(
        "taxes.Tax", blank=True, related_name="customers", help_text="Overrides the organization's default taxes."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=models.Q(deleted_at__isnull=True),
                name="unique_live_customer_external_id",
            ),
            models.UniqueConstraint(fields=["organization", "sequential_id"], name="unique_customer_sequential_id"),
        ]
        indexes = [models.Index(fields=["organization", "external_id"])]

    def __str__(self) -> str:
        return self.name or self.external_id

    @property
    def applicable_timezone(self) -> str:
        return self.timezone or self.organization.timezone

    @property
    def applicable_invoice_grace_period(self) -> int:
        if self.invoice_grace_period is not None:
            return self.invoice_grace_period
        return self.organization.invoice_grace_period

    @property
    def applicable_net_payment_term(self) -> int:
        if self.net_payment_term is not None:
            return self.net_payment_term
        return self.organization.net_payment_term


class CustomerMetadata(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="metadata")
    key = models.CharField(max_length=20)
    value = models.CharField(max_length=100)
    display_in_invoice = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="unique_customer_metadata_key")]
        verbose_name_plural = "customer metadata"

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
