from invoicing.models.applied_taxes import FeeAppliedTax, InvoiceAppliedTax
from invoicing.models.billing_failures import BillingFailure
from invoicing.models.fees import Fee
from invoicing.models.invoices import Invoice, InvoiceSubscription

__all__ = ["BillingFailure", "Fee", "FeeAppliedTax", "Invoice", "InvoiceAppliedTax", "InvoiceSubscription"]
