from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join

from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline
from billing.errors import DomainError
from customers.admin_panels import customer_panels
from customers.models import Customer, CustomerMetadata
from customers.services import MAX_METADATA_ENTRIES, UPSERTABLE_FIELDS, customer_delete, customer_upsert
from taxes.admin import OrganizationTaxesFormMixin, TaxesFieldAdminMixin


class DeletedListFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "No"), ("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


class CustomerMetadataInline(OrganizationScopedInline, admin.TabularInline):
    model = CustomerMetadata
    extra = 0
    max_num = MAX_METADATA_ENTRIES
    validate_max = True
    fields = ("key", "value", "display_in_invoice", "created_at")
    readonly_fields = ("created_at",)


class CustomerForm(OrganizationTaxesFormMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("organization", "taxes")  # CustomerAdmin's fieldsets list the rest


@admin.register(Customer)
class CustomerAdmin(TaxesFieldAdminMixin, OrganizationScopedAdmin):
    form = CustomerForm
    list_display = (
        "external_id",
        "name",
        "email",
        "currency",
        "country",
        "customer_type",
        "payment_provider",
        "sequential_id",
        "created_at",
        "deleted_at",
    )
    list_select_related = ("organization",)
    search_fields = ("external_id", "name", "email", "legal_name")
    list_filter = ("currency", "country", "customer_type", "payment_provider", DeletedListFilter)
    readonly_fields = ("id", "sequential_id", "slug", "created_at", "updated_at", "deleted_at", "activity")
    inlines = [CustomerMetadataInline]
    actions = ["soft_delete"]
    fieldsets = [
        (None, {"fields": ("organization", "external_id", "id", "sequential_id", "slug")}),
        (
            "Identity",
            {
                "fields": (
                    "name",
                    "firstname",
                    "lastname",
                    "customer_type",
                    "legal_name",
                    "legal_number",
                    "tax_identification_number",
                    "email",
                    "phone",
                    "url",
                )
            },
        ),
        ("Address", {"fields": ("address_line1", "address_line2", "city", "state", "zipcode", "country")}),
        (
            "Billing",
            {
                "fields": (
                    "currency",
                    "timezone",
                    "net_payment_term",
                    "invoice_grace_period",
                    "payment_provider",
                    "provider_customer_id",
                    "sync_with_provider",
                    "document_locale",
                    "taxes",
                )
            },
        ),
        ("History", {"fields": ("created_at", "updated_at", "deleted_at")}),
        ("Activity", {"fields": ("activity",)}),
    ]

    @admin.display(description="Usage and invoices")
    def activity(self, customer: Customer):
        if customer.pk is None:
            return "-"
        return format_html_join(
            "", "<h3>{}</h3>{}", ((panel.title, panel.render(customer)) for panel in customer_panels())
        ) or format_html("{}", "-")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            fields = [*fields, "external_id"]  # the API addresses the customer by it; an edit would be an upsert
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.deleted_at is not None:
            return False  # deleted customers are history; their external_id may already belong to a new one
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a hard delete would lose invoicing history; the "Delete (soft)" action is the way

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in UPSERTABLE_FIELDS}
        if "taxes" in form.changed_data:
            # Set by the service; popped so that the form's own many-to-many save leaves them alone.
            fields["tax_codes"] = [tax.code for tax in form.cleaned_data.pop("taxes")]
        customer, _created = customer_upsert(organization=obj.organization, external_id=obj.external_id, **fields)
        obj.pk, obj.sequential_id, obj.slug = customer.pk, customer.sequential_id, customer.slug
        obj.created_at, obj.updated_at = customer.created_at, customer.updated_at
        obj._state.adding = False

    @admin.action(description="Delete (soft)")
    def soft_delete(self, request, queryset: QuerySet[Customer]):
        deleted = 0
        for customer in queryset.alive():
            try:
                customer_delete(customer=customer)
            except DomainError as exc:
                self.message_user(request, f"{customer}: {exc}", messages.ERROR)
            else:
                deleted += 1
        self.message_user(request, f"Deleted {deleted} customer(s).", messages.SUCCESS)
