"""Admin for the tax catalog, and the `taxes` field that customers' and plans' admins share."""

from django import forms
from django.contrib import admin

from billing.admin_scoping import OrganizationScopedAdmin
from taxes.models import Tax
from taxes.selectors import tax_code_taken, with_usage_counts
from taxes.services import TAX_FIELDS, tax_create, tax_delete, tax_update


class TaxForm(forms.ModelForm):
    class Meta:
        model = Tax
        fields = ("organization", "name", "code", "rate", "description", "applied_to_organization")

    def clean(self):
        """Once the organization is read-only, the form's own unique check leaves the code out: checked here."""
        cleaned = super().clean()
        code = cleaned.get("code")
        organization = self.instance.organization if "organization" not in self.fields else None
        if (
            organization is not None
            and code
            and tax_code_taken(organization=organization, code=code, excluding=self.instance)
        ):
            self.add_error("code", "Another tax of this organization has this code.")
        return cleaned


@admin.register(Tax)
class TaxAdmin(OrganizationScopedAdmin):
    form = TaxForm
    list_display = (
        "code", "name", "rate", "applied_to_organization", "customers_count", "plans_count", "charges_count",
        "created_at",
    )  # fmt: skip
    list_select_related = ("organization",)
    search_fields = ("code", "name", "description")
    list_filter = ("applied_to_organization",)
    readonly_fields = ("id", "created_at", "updated_at")
    ordering = ("name", "created_at")

    def get_queryset(self, request):
        return with_usage_counts(super().get_queryset(request))

    @admin.display(description="customers", ordering="customers_count")
    def customers_count(self, tax: Tax) -> int:
        return tax.customers_count

    @admin.display(description="plans", ordering="plans_count")
    def plans_count(self, tax: Tax) -> int:
        return tax.plans_count

    @admin.display(description="charges", ordering="charges_count")
    def charges_count(self, tax: Tax) -> int:
        return tax.charges_count

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in TAX_FIELDS if name in form.cleaned_data}
        if change:
            tax_update(tax=Tax.objects.get(pk=obj.pk), **fields)  # `obj` already carries the form's values
        else:
            obj.pk = tax_create(organization=obj.organization, **fields).pk

    def delete_model(self, request, obj):
        tax_delete(tax=obj)

    def delete_queryset(self, request, queryset):
        for tax in queryset:
            tax_delete(tax=tax)


class OrganizationTaxesFormMixin:
    """For admin forms of a model with `taxes`: only taxes of the row's own organization can be chosen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("taxes")
        if field is not None and self.instance.organization_id:
            field.queryset = field.queryset.filter(organization_id=self.instance.organization_id)

    def clean(self):
        cleaned = super().clean()
        organization_id = getattr(cleaned.get("organization"), "pk", None) or self.instance.organization_id
        taxes = cleaned.get("taxes") or ()
        if organization_id and any(tax.organization_id != organization_id for tax in taxes):
            self.add_error("taxes", "Choose taxes of this organization.")
        return cleaned


class TaxesFieldAdminMixin:
    """For OrganizationScopedAdmin subclasses of a model with `taxes`: a two-pane chooser scoped like foreign keys."""

    filter_horizontal = ("taxes",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        organization = self.confined_organization(request)
        if db_field.name == "taxes" and organization is not None:
            kwargs["queryset"] = Tax.objects.filter(organization=organization)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
