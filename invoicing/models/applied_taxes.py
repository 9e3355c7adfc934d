"""Taxes as applied to a fee or an invoice: a snapshot of the tax (code, name, rate) so that a later change or
deletion of the catalog's tax leaves issued documents untouched."""

import uuid

from django.db import models

from invoicing.models.fees import Fee
from invoicing.models.invoices import AMOUNT, Invoice


class AppliedTaxSnapshot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tax = models.ForeignKey("taxes.Tax", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    tax_code = models.CharField(max_length=255)
    tax_name = models.CharField(max_length=255)
    tax_rate = models.DecimalField(max_digits=9, decimal_places=6, help_text="Percent")
    tax_description = models.TextField(blank=True)
    amount = models.DecimalField(**AMOUNT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["tax_code"]

    def __str__(self) -> str:
        return f"{self.tax_code} {self.tax_rate}%: {self.amount}"


class FeeAppliedTax(AppliedTaxSnapshot):  # noqa: DJ008 - __str__ comes from the abstract base
    fee = models.ForeignKey(Fee, on_delete=models.CASCADE, related_name="applied_taxes")

    class Meta(AppliedTaxSnapshot.Meta):
        constraints = [models.UniqueConstraint(fields=["fee", "tax_code"], name="fee_tax_applied_once")]


class InvoiceAppliedTax(AppliedTaxSnapshot):  # noqa: DJ008 - __str__ comes from the abstract base
    """One tax's total on an invoice: the sum of that tax over the invoice's fees, and the base it applied to."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="applied_taxes")
    fees_amount = models.DecimalField(**AMOUNT)

    class Meta(AppliedTaxSnapshot.Meta):
        constraints = [models.UniqueConstraint(fields=["invoice", "tax_code"], name="invoice_tax_applied_once")]
