"""Events are read-only here: they arrive through the API, and the admin shows why one may not be counted.

The pages read through the event store (metering.selectors), not the Event model: the ClickHouse store keeps its
events out of the main database. The store lists one organization at a time, so an unconfined user picks one.
"""

import json
from dataclasses import dataclass
from math import ceil

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from billing.errors import NotFound, ServiceUnavailable
from billing.models import Organization
from billing.selectors import organization_for_user
from metering.diagnostics import Diagnostic
from metering.models import Event
from metering.selectors import EventDetail, event_get, event_list
from metering.stores.base import EventListFilters

EVENTS_PER_PAGE = 100
MAX_PAGE = 10**9  # keeps the offset within a 64-bit integer
MAX_ID_LENGTH = 255
NO_DIAGNOSTIC = "none"
ANY_DIAGNOSTIC = "any"
PAGE_PARAMETER = "p"


class OrganizationChoiceForm(forms.Form):
    """The organization field, which exists only for a user not confined to one organization."""

    # No empty choice: with none given, the first organization by name is shown, and the select shows it first.
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.order_by("name"), required=False, empty_label=None
    )

    def __init__(self, data: QueryDict, *, confined: bool):
        super().__init__(data)
        if confined:
            del self.fields["organization"]

    def chosen_organization(self) -> Organization | None:
        """The chosen organization, else the first by name (None for a confined user: the view knows theirs)."""
        if "organization" not in self.fields:
            return None
        self.is_valid()  # cleans once; an invalid choice falls back to the default, and the page shows the error
        return self.cleaned_data.get("organization") or self.fields["organization"].queryset.first()


class EventFilterForm(OrganizationChoiceForm):
    diagnostic = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All"),
            (NO_DIAGNOSTIC, "None (counted)"),
            (ANY_DIAGNOSTIC, "Any (may not be counted)"),
            *((code.value, code.value) for code in Diagnostic),
        ],
    )
    code = forms.CharField(required=False, max_length=MAX_ID_LENGTH)
    external_subscription_id = forms.CharField(required=False, max_length=MAX_ID_LENGTH)
    transaction_id = forms.CharField(required=False, max_length=MAX_ID_LENGTH)
    timestamp_from = forms.DateTimeField(
        required=False, help_text="Inclusive; ISO 8601, UTC unless an offset is given.", widget=forms.TextInput
    )
    timestamp_to = forms.DateTimeField(required=False, help_text="Inclusive.", widget=forms.TextInput)
    p = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def filters(self) -> EventListFilters:
        data = self.cleaned_data
        diagnostic = data["diagnostic"]
        return EventListFilters(
            code=data["code"] or None,
            external_subscription_id=data["external_subscription_id"] or None,
            transaction_id=data["transaction_id"] or None,
            timestamp_from=data["timestamp_from"],
            timestamp_to=data["timestamp_to"],
            diagnostic=diagnostic if diagnostic in Diagnostic.__members__.values() else None,
            with_diagnostics={NO_DIAGNOSTIC: False, ANY_DIAGNOSTIC: True}.get(diagnostic),
        )

    def page_number(self) -> int:
        return self.cleaned_data[PAGE_PARAMETER] or 1


class EventKeyForm(OrganizationChoiceForm):
    """What names one event in the store: its organization, subscription and transaction."""

    # Not stripped: an id is matched exactly, surrounding spaces included.
    external_subscription_id = forms.CharField(max_length=MAX_ID_LENGTH, strip=False)
    transaction_id = forms.CharField(max_length=MAX_ID_LENGTH, strip=False)


@dataclass(frozen=True)
class EventPage:
    events: list[EventDetail]
    total: int
    number: int

    @classmethod
    def read(cls, *, organization: Organization, filters: EventListFilters, number: int) -> "EventPage":
        events = event_list(organization=organization, filters=filters)
        offset = (number - 1) * EVENTS_PER_PAGE
        page = events[offset : offset + EVENTS_PER_PAGE]
        # count() answers the total that the slice's store call already read: one store call per page.
        return cls(events=page, total=events.count(), number=number)

    @property
    def page_count(self) -> int:
        return max(1, ceil(self.total / EVENTS_PER_PAGE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count


def detail_query(organization: Organization, detail: EventDetail) -> str:
    """The detail page's query string of an event: the store's key of it, not a row id."""
    return urlencode(
        {
            "organization": organization.pk,
            "external_subscription_id": detail.event.external_subscription_id,
            "transaction_id": detail.event.transaction_id,
        }
    )


def page_query(query: QueryDict, number: int) -> str:
    """The current filters, on another page."""
    query = query.copy()
    query[PAGE_PARAMETER] = str(number)
    return query.urlencode()


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Two pages over the event store, behind the ModelAdmin's view permission on metering.Event."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("", self.admin_site.admin_view(self.changelist_view), name=f"{name}_changelist"),
            path("detail/", self.admin_site.admin_view(self.detail_view), name=f"{name}_detail"),
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @method_decorator(require_safe)
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        confined = organization_for_user(user=request.user)
        form = EventFilterForm(request.GET, confined=confined is not None)
        organization = confined or form.chosen_organization()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Events",
            "events_per_page": EVENTS_PER_PAGE,
            "form": form,
            "organization": organization,
            **self._listing(request, form, organization),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/metering/event/change_list.html", context)

    @method_decorator(require_safe)
    def detail_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        organization, detail = self._event(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Event {detail.event.transaction_id}",
            "organization": organization,
            "detail": detail,
            "event": detail.event,
            "properties_json": json.dumps(detail.event.properties, indent=2, sort_keys=True, default=str),
        }
        return TemplateResponse(request, "admin/metering/event/detail.html", context)

    @staticmethod
    def _listing(request, form: EventFilterForm, organization: Organization | None) -> dict:
        """The page of events with its links, or an error saying why there is none."""
        if organization is None:
            return {"error": "No organization yet: there are no events to show."}
        if not form.is_valid():
            return {"error": "Please correct the filters below."}
        try:
            page = EventPage.read(organization=organization, filters=form.filters(), number=form.page_number())
        except ServiceUnavailable:
            return {"error": "The event store cannot answer now; try again in a moment."}
        return {
            "page": page,
            "rows": [(detail, detail_query(organization, detail)) for detail in page.events],
            "previous_query": page_query(request.GET, page.number - 1) if page.has_previous else "",
            "next_query": page_query(request.GET, page.number + 1) if page.has_next else "",
        }

    @staticmethod
    def _event(request) -> tuple[Organization, EventDetail]:
        """The event the query names, in the user's organization: another's is as missing as an unknown one."""
        confined = organization_for_user(user=request.user)
        form = EventKeyForm(request.GET, confined=confined is not None)
        if not form.is_valid():
            raise Http404("No such event.")
        organization = confined or form.cleaned_data.get("organization")
        if organization is None:
            raise Http404("No such event.")
        try:
            detail = event_get(
                organization=organization,
                transaction_id=form.cleaned_data["transaction_id"],
                external_subscription_id=form.cleaned_data["external_subscription_id"],
            )
        except NotFound as error:
            raise Http404("No such event.") from error
        return organization, detail
