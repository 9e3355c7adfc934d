import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from billing.models import Organization

MIN_RATE = Decimal(0)
MAX_RATE = Decimal(100)


class Tax(models.Model):
    """A tax of the organization's catalog, applied to customers, plans and charges by code.

    Invoices keep their own copy of the code, name and rate they applied, so a tax can change or go away freely.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="taxes")
    name = models.CharField(max_length=255)
    code = models.CharField(max_length=255)
    rate = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(MIN_RATE), MaxValueValidator(MAX_RATE)],
        help_text="Percent, from 0 to 100.",
    )
    description = models.TextField(blank=True)
    applied_to_organization = models.BooleanField(
        default=False,
        help_text="One of the organization's default taxes, for customers, plans and charges without any.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "created_at"]
        verbose_name_plural = "taxes"
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_tax_code_per_organization"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=MIN_RATE, rate__lte=MAX_RATE), name="tax_rate_between_0_and_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.rate.normalize():f}%)"
