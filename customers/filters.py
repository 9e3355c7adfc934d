"""The customer list's filters (Lago's `countries[]`, `currencies[]`, `customer_type`, `search_term`)."""

import django_filters
import moneyed
from django.db.models import Q, QuerySet

from billing.money import is_valid_currency
from customers.models import Customer
from customers.validators import ISO_3166_ALPHA2

COUNTRY_CHOICES = [(code, code) for code in sorted(ISO_3166_ALPHA2)]
CURRENCY_CHOICES = [(code, code) for code in sorted(moneyed.CURRENCIES) if is_valid_currency(code)]
SEARCHED_FIELDS = ("name", "firstname", "lastname", "email", "external_id")


class CustomerFilter(django_filters.FilterSet):
    countries = django_filters.MultipleChoiceFilter(field_name="country", choices=COUNTRY_CHOICES)
    currencies = django_filters.MultipleChoiceFilter(field_name="currency", choices=CURRENCY_CHOICES)
    customer_type = django_filters.ChoiceFilter(choices=Customer.CustomerType.choices)
    search_term = django_filters.CharFilter(method="filter_search_term", max_length=255)

    class Meta:
        model = Customer
        fields = ["countries", "currencies", "customer_type", "search_term"]

    def filter_search_term(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        terms = Q()
        for field in SEARCHED_FIELDS:
            terms |= Q(**{f"{field}__icontains": value})
        return queryset.filter(terms)
