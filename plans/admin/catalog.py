"""Admin for the catalog. Charge properties are checked by the same validators as the API, and deletions go through
the services, so the admin cannot store what the API would refuse."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet

from billing.admin_scoping import OrganizationScopedAdmin, OrganizationScopedInline
from billing.errors import DomainError, ValidationFailed
from customers.admin import DeletedListFilter
from plans.charge_models import validate_charge_properties
from plans.models import BillableMetric, BillableMetricFilter, Charge, ChargeFilter, MinimumCommitment, Plan
from plans.services.billable_metrics import billable_metric_delete
from plans.services.plans import charge_filter_keys_not_offered, plan_delete
from taxes.admin import OrganizationTaxesFormMixin, TaxesFieldAdminMixin


def _describe(failure: ValidationFailed) -> str:
    return "; ".join(f"{path}: {', '.join(codes)}" for path, codes in failure.details.items())


def _validated_properties(form: forms.ModelForm, charge_model: str | None) -> None:
    """Replaces cleaned `properties` by their canonical form, or reports the validator's codes on the field."""
    properties = form.cleaned_data.get("properties")
    if not charge_model or "properties" not in form.cleaned_data:
        return
    try:
        form.cleaned_data["properties"] = validate_charge_properties(charge_model, properties)
    except ValidationFailed as failure:
        form.add_error("properties", _describe(failure))


def _delete_each(model_admin: admin.ModelAdmin, request, queryset, delete) -> None:
    deleted = 0
    for obj in queryset:
        try:
            delete(obj)
        except DomainError as exc:
            model_admin.message_user(request, f"{obj}: {exc}", messages.ERROR)
        else:
            deleted += 1
    model_admin.message_user(request, f"Deleted {deleted} of {len(queryset)}.", messages.SUCCESS)


class BillableMetricFilterForm(forms.ModelForm):
    class Meta:
        model = BillableMetricFilter
        fields = ("key", "values")

    def clean_values(self):
        values = self.cleaned_data["values"]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise forms.ValidationError('A non-empty list of strings, e.g. ["eu", "us"].')
        return values


class BillableMetricFilterInline(OrganizationScopedInline, admin.TabularInline):
    model = BillableMetricFilter
    form = BillableMetricFilterForm
    extra = 0


@admin.register(BillableMetric)
class BillableMetricAdmin(OrganizationScopedAdmin):
    list_display = ("code", "name", "aggregation_type", "field_name", "recurring", "created_at")
    list_select_related = ("organization",)
    search_fields = ("code", "name")
    list_filter = ("aggregation_type", "recurring")
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = [BillableMetricFilterInline]
    actions = ["delete_unused"]

    def has_delete_permission(self, request, obj=None):
        return False  # the "Delete" action refuses metrics that charges price, as the API does

    @admin.action(description="Delete (refused while a charge uses the metric)")
    def delete_unused(self, request, queryset: QuerySet[BillableMetric]):
        _delete_each(self, request, queryset, lambda metric: billable_metric_delete(billable_metric=metric))


class ChargeForm(OrganizationTaxesFormMixin, forms.ModelForm):
    class Meta:
        model = Charge
        fields = (
            "billable_metric", "charge_model", "properties", "invoice_display_name", "pay_in_advance",
            "invoiceable", "prorated", "min_amount",
        )  # fmt: skip

    def clean(self):
        """Properties as the API checks them; the metric of the plan's organization; amounts in the plan's currency."""
        cleaned = super().clean()
        _validated_properties(self, cleaned.get("charge_model"))
        plan = self.instance.plan if self.instance.plan_id else None
        if plan is None:
            return cleaned
        metric = cleaned.get("billable_metric")
        if metric is not None and metric.organization_id != plan.organization_id:
            self.add_error("billable_metric", "This metric belongs to another organization.")
        min_amount = cleaned.get("min_amount")
        if min_amount is not None and str(min_amount.currency) != str(plan.amount.currency):
            self.add_error("min_amount", "Use the plan's currency.")
        return cleaned


class ChargeInline(OrganizationScopedInline, admin.StackedInline):
    model = Charge
    form = ChargeForm
    extra = 0
    show_change_link = True  # its filters are edited on the charge's own page
    autocomplete_fields = ("billable_metric",)


class MinimumCommitmentInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            amount = getattr(form, "cleaned_data", {}).get("amount")
            if amount is not None and str(amount.currency) != str(self.instance.amount.currency):
                form.add_error("amount", "Use the plan's currency.")


class MinimumCommitmentInline(OrganizationScopedInline, admin.TabularInline):
    model = MinimumCommitment
    formset = MinimumCommitmentInlineFormSet
    fields = ("amount", "invoice_display_name")
    max_num = 1
    extra = 0


class PlanForm(OrganizationTaxesFormMixin, forms.ModelForm):
    class Meta:
        model = Plan
        fields = (
            "organization", "name", "invoice_display_name", "code", "description", "interval", "amount",
            "pay_in_advance", "trial_period", "bill_charges_monthly", "taxes",
        )  # fmt: skip


@admin.register(Plan)
class PlanAdmin(TaxesFieldAdminMixin, OrganizationScopedAdmin):
    form = PlanForm
    list_display = ("code", "name", "interval", "amount", "pay_in_advance", "trial_period", "created_at", "deleted_at")
    list_select_related = ("organization",)
    search_fields = ("code", "name")
    list_filter = ("interval", "amount_currency", "pay_in_advance", DeletedListFilter)
    readonly_fields = ("id", "created_at", "updated_at", "deleted_at")
    inlines = [MinimumCommitmentInline, ChargeInline]
    actions = ["delete_unsubscribed"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")

    def has_delete_permission(self, request, obj=None):
        return False  # the "Delete" action applies the API's rules (refused with live subscriptions, else soft)

    def save_formset(self, request, form, formset, change):
        if formset.model is Charge:
            for charge_form in formset.forms:
                charge_form.instance.organization = form.instance.organization
        super().save_formset(request, form, formset, change)

    @admin.action(description="Delete (refused while subscriptions are active or pending)")
    def delete_unsubscribed(self, request, queryset: QuerySet[Plan]):
        _delete_each(self, request, queryset.alive(), lambda plan: plan_delete(plan=plan))


class ChargeFilterForm(forms.ModelForm):
    class Meta:
        model = ChargeFilter
        fields = ("invoice_display_name", "values", "properties")

    def clean_values(self):
        """{key: [value, ...]} among the filters the charge's metric offers, as the API requires."""
        values = self.cleaned_data["values"]
        well_formed = (
            isinstance(values, dict)
            and values
            and all(
                isinstance(selected, list) and selected and all(isinstance(v, str) for v in selected)
                for selected in values.values()
            )
        )
        if not well_formed:
            raise forms.ValidationError('An object of non-empty lists of strings, e.g. {"region": ["eu"]}.')
        unknown = charge_filter_keys_not_offered(billable_metric=self.instance.charge.billable_metric, values=values)
        if unknown:
            raise forms.ValidationError(f"The metric's filters do not offer these values: {', '.join(unknown)}.")
        return values


class ChargeFilterInlineFormSet(forms.BaseInlineFormSet):
    """Each filter's properties follow its charge's model, checked by the API's validator."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if hasattr(form, "cleaned_data") and not form.cleaned_data.get("DELETE"):
                _validated_properties(form, self.instance.charge_model)


class ChargeFilterInline(admin.TabularInline):
    model = ChargeFilter
    form = ChargeFilterForm
    formset = ChargeFilterInlineFormSet
    extra = 0


@admin.register(Charge)
class ChargeAdmin(TaxesFieldAdminMixin, OrganizationScopedAdmin):
    """A charge's own page, reached from its plan, to edit its filters."""

    form = ChargeForm
    list_display = ("__str__", "plan", "charge_model", "pay_in_advance", "created_at")
    list_select_related = ("plan", "billable_metric")
    search_fields = ("plan__code", "billable_metric__code")
    list_filter = ("charge_model", "pay_in_advance")
    fields = ("plan", *ChargeForm.Meta.fields, "taxes")
    readonly_fields = ("plan", "billable_metric")
    inlines = [ChargeFilterInline]

    def has_add_permission(self, request):
        return False  # charges are added on their plan's page

    def has_delete_permission(self, request, obj=None):
        return False  # removed from their plan's page
