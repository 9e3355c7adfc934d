"""Lago's page-number pagination: ?page=&per_page=, answered with a `meta` block beside the list."""

import math
from dataclasses import dataclass

from billing.errors import ValidationFailed

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list
    current_page: int
    total_count: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_count / self.per_page) if self.total_count else 0

    @property
    def meta(self) -> dict:
        return {
            "current_page": self.current_page,
            "next_page": self.current_page + 1 if self.current_page < self.total_pages else None,
            "prev_page": self.current_page - 1 if self.current_page > 1 else None,
            "total_pages": self.total_pages,
            "total_count": self.total_count,
        }


def _positive_int(query_params, name: str, default: int) -> int:
    raw = query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed.single(name, "invalid_value") from None
    if value < 1:
        raise ValidationFailed.single(name, "invalid_value")
    return value


def paginate(queryset, query_params) -> Page:
    page = _positive_int(query_params, "page", 1)
    per_page = min(_positive_int(query_params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    total_count = queryset.count()
    offset = (page - 1) * per_page
    items = list(queryset[offset : offset + per_page]) if offset < total_count else []
    return Page(items=items, current_page=page, total_count=total_count, per_page=per_page)
