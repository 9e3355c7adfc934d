"""Outbound webhooks: where an organization wants them, and the log of every delivery and attempt."""

import uuid

from django.db import models

from billing.webhooks.types import SignatureAlgorithm


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("billing.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints")
    name = models.CharField(max_length=255, blank=True)
    webhook_url = models.URLField(max_length=2048)
    signature_algo = models.CharField(
        max_length=16,
        choices=[(algo.value, algo.value) for algo in SignatureAlgorithm],
        default=SignatureAlgorithm.HMAC.value,
    )
    event_types = models.JSONField(default=list, blank=True, help_text="Webhook types it receives; empty for all.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "webhook_url"], name="unique_webhook_url_per_organization")
        ]

    def __str__(self) -> str:
        return self.name or self.webhook_url

    def wants(self, webhook_type: str) -> bool:
        return not self.event_types or webhook_type in self.event_types


class WebhookDelivery(models.Model):
    """One webhook for one endpoint: the exact body signed and sent, and where its delivery stands.

    `next_attempt_at` is both the retry schedule and the claim of the worker sending it: a worker moves it past the
    request's timeout before sending, so a duplicated task or the retry sweep cannot send the same attempt twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "billing.Organization", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    webhook_type = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    unique_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.TextField(help_text="The JSON text exactly as signed and sent.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.webhook_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered, or why nothing came back."""

    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="unique_webhook_attempt_number")]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.response_code or self.error or '-'}"
