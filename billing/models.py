import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models


def generate_hmac_key() -> str:
    return secrets.token_urlsafe(32)


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, unique=True)
    default_currency = models.CharField(max_length=3, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")
    invoice_grace_period = models.PositiveIntegerField(default=0, help_text="Days an invoice stays draft.")
    invoice_number_prefix = models.CharField(max_length=20, blank=True)
    net_payment_term = models.PositiveIntegerField(default=0, help_text="Days from issuing to due date.")
    webhook_hmac_key = models.CharField(max_length=128, default=generate_hmac_key)
    # The issuer on invoice documents, all optional, as in Lago's organization.
    legal_name = models.CharField(max_length=255, blank=True)
    legal_number = models.CharField(max_length=255, blank=True)
    tax_identification_number = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    address_line1 = models.CharField(max_length=255, blank=True)
    address_line2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=255, blank=True)
    zipcode = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    document_locale = models.CharField(
        max_length=16, blank=True, help_text="Language of documents (e.g. de, pt-BR) for customers that set none"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, *, at):
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=at)
        )


class ApiKey(models.Model):
    """A secret that authenticates API calls for one organization.

    Only a SHA-256 digest is stored: keys carry 256 bits of randomness, so a slow hash would add latency to every
    request without adding safety. The prefix is kept in clear to find the row and to tell keys apart in the admin.
    """

    PREFIX_LENGTH = 12

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=255, blank=True)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"

    @staticmethod
    def digest(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()


class OrganizationMember(models.Model):
    """Ties a staff user to one organization: the admin then shows only that organization's rows."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_membership"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class Sequence(models.Model):
    """A gapless per-organization counter (customer sequential ids, invoice numbers).

    Incremented under a row lock inside the caller's transaction: a rolled-back transaction gives its number back.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_sequence_per_organization")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.name}={self.value}"


# Outbound webhooks live in their own package of the platform layer; imported here so that Django registers them.
from billing.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint  # noqa: E402

__all__ = [
    "ApiKey",
    "Organization",
    "OrganizationMember",
    "Sequence",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
