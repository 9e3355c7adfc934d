"""Bulk inserts of unsaved model instances through PostgreSQL's COPY: the billing cycle writes several rows per
invoice, and Django's bulk_create spends most of its time building one huge INSERT (about three times COPY's cost).

Constraints are checked as for an INSERT: a unique violation raises django.db.IntegrityError and the caller's
transaction rolls back. Other databases (SQLite, the embedded default) use bulk_create.
"""

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

import psycopg
from django.db import connection, models
from psycopg.types.json import Jsonb

# Wide enough to quantize any value a DecimalField can be handed to its places without rounding its integer part.
_WIDE = Context(prec=1000, rounding=ROUND_HALF_EVEN, Emax=10**6, Emin=-(10**6))


class DecimalOutOfRange(ValueError):
    """A Decimal too large for its column: PostgreSQL refuses it (numeric field overflow), SQLite would store it."""

    def __init__(self, model: type[models.Model], field: models.DecimalField, value: Decimal):
        self.model, self.field, self.value = model, field, value
        super().__init__(
            f"{model.__name__}.{field.name} = {value} does not fit {field.max_digits} digits with "
            f"{field.decimal_places} decimal places"
        )


def instances_insert(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """Inserts `instances` (primary keys already set, as UUIDs are) in one statement; auto_now fields are filled.

    Raises DecimalOutOfRange, inserting nothing, when a Decimal does not fit its column, on every database alike."""
    if not instances:
        return
    _decimals_check(model, instances)
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)
        return
    fields = list(model._meta.concrete_fields)
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    columns = [(field.attname, _converter(field)) for field in fields]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) FROM STDIN"
    connection.ensure_connection()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(statement) as copy,
    ):
        for instance in instances:
            for field in stamped:
                field.pre_save(instance, add=True)
            copy.write_row([convert(getattr(instance, attname)) for attname, convert in columns])
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def _as_is(value: Any) -> Any:
    return value


def _file_name(value: Any) -> str:
    return value.name or ""


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How a field's Python value is handed to psycopg: most types adapt natively."""
    if isinstance(field, models.JSONField):
        return Jsonb
    if isinstance(field, models.FileField):
        return _file_name
    return _as_is


def _decimals_check(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.DecimalField):
            continue
        integer_digits = field.max_digits - field.decimal_places
        limit = Decimal(10) ** integer_digits
        places = Decimal(1).scaleb(-field.decimal_places)
        for instance in instances:
            value = getattr(instance, field.attname)
            if value is None:
                continue
            value = value if isinstance(value, Decimal) else Decimal(str(value))
            if value.is_finite() and value.adjusted() < integer_digits - 1:
                continue  # under a tenth of the limit: rounding to the places cannot reach it
            # As stored: rounded to the column's places, which may carry 99.9999996 up to 100.
            if not value.is_finite() or value.quantize(places, context=_WIDE).copy_abs() >= limit:
                raise DecimalOutOfRange(model, field, value)
