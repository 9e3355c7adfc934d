"""How the store talks to ClickHouse: the native protocol through clickhouse-driver, or chdb in-process (tests).

Both transports take `%(name)s` parameters and substitute them client-side with clickhouse-driver's own escaping, so
the same store code and SQL run on the 18.16 server and on modern ClickHouse. Rows come back as tuples; a Decimal
column comes back as a Decimal from the driver and as its exact string from chdb (18.16's toString mangles wide
Decimal128 values, so the SQL never converts them), and the store reads both with Decimal(str(value)).
"""

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

from clickhouse_driver import Client
from clickhouse_driver import errors as driver_errors
from clickhouse_driver.util.escape import escape_chars_map, escape_param, escape_params

from metering.stores.base import UsageStoreUnavailable

Params = Mapping[str, Any] | None

DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Large IN lists and window arrays are inlined as literals; 18.16's default (256 KiB) is too small for them.
QUERY_SETTINGS = {"max_query_size": 64 * 1024 * 1024}
_UNREACHABLE = (
    driver_errors.NetworkError,
    driver_errors.SocketTimeoutError,
    driver_errors.UnexpectedPacketFromServerError,
    EOFError,
    OSError,
)


class Transport(Protocol):
    database: str
    # Whether queries may run from several threads at once.
    concurrent: bool

    def execute(self, query: str, params: Params = None) -> list[tuple]: ...

    def iterate(self, query: str, params: Params = None) -> Iterator[tuple]: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None: ...

    def insert_columns(self, table: str, columns: Sequence[str], values: Sequence[Sequence]) -> None:
        """Inserts rows given column-wise: values[i] holds every row's value of columns[i]."""

    def create_database(self) -> None: ...

    def drop_database(self) -> None: ...


def quoted_database(name: str) -> str:
    if not DATABASE_NAME.fullmatch(name):
        raise ValueError(f"not a plain ClickHouse database name: {name!r}")
    return f"`{name}`"


class DriverTransport:
    """clickhouse-driver over the native protocol, one client per thread and process (a client is not thread-safe).

    Connection failures become UsageStoreUnavailable; the client reconnects by itself on the next call.
    """

    concurrent = True

    def __init__(self, *, host: str, port: int, user: str, password: str, database: str):
        self.database = database
        self._connection = {"host": host, "port": port, "user": user, "password": password}
        self._local = threading.local()

    @classmethod
    def from_url(cls, url: str) -> "DriverTransport":
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 9000,
            user=parts.username or "default",
            password=parts.password or "",
            database=parts.path.lstrip("/") or "default",
        )

    def _client(self) -> Client:
        # Keyed by process too: a client (and its socket) inherited through fork() must not be shared.
        owner, client = getattr(self._local, "client", (None, None))
        if client is None or owner != os.getpid():
            client = Client(**self._connection, database=self.database, settings=QUERY_SETTINGS)
            self._local.client = (os.getpid(), client)
        return client

    def execute(self, query: str, params: Params = None) -> list[tuple]:
        params, external_tables = _external_tables(params)
        with unavailable_on_network_errors():
            return self._client().execute(query, params, external_tables=external_tables)

    def iterate(self, query: str, params: Params = None) -> Iterator[tuple]:
        params, external_tables = _external_tables(params)
        with unavailable_on_network_errors():
            yield from self._client().execute_iter(query, params, external_tables=external_tables)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        with unavailable_on_network_errors():
            self._client().execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", list(rows))

    def insert_columns(self, table: str, columns: Sequence[str], values: Sequence[Sequence]) -> None:
        with unavailable_on_network_errors():
            self._client().execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", values, columnar=True)

    def create_database(self) -> None:
        self._on_default_database(f"CREATE DATABASE IF NOT EXISTS {quoted_database(self.database)}")

    def drop_database(self) -> None:
        self._on_default_database(f"DROP DATABASE IF EXISTS {quoted_database(self.database)}")

    def _on_default_database(self, statement: str) -> None:
        """Runs a statement through a connection to `default` (one to a missing database would be refused)."""
        client = Client(**self._connection, database="default")
        try:
            with unavailable_on_network_errors():
                client.execute(statement)
        finally:
            client.disconnect()

    def disconnect(self) -> None:
        _owner, client = getattr(self._local, "client", (None, None))
        if client is not None:
            client.disconnect()


@contextlib.contextmanager
def unavailable_on_network_errors() -> Iterator[None]:
    try:
        yield
    except _UNREACHABLE as error:
        raise UsageStoreUnavailable(f"ClickHouse is unreachable: {error}") from error


class ValuesTable:
    """A parameter standing for a large set of strings (`column IN %(name)s`): the driver sends it beside the query
    as an external table, in the native format, where a literal tuple would be SQL for the server to parse (a flush's
    5,000 keys cost ClickHouse more than inserting the events, and 50,000 passed its AST size limit). chdb, which
    takes no external tables, gets the literal tuple."""

    def __init__(self, values: Iterable[str]):
        self.values = tuple(values)


class HashedValuesTable(ValuesTable):
    """A parameter standing for the cityHash64 of each of a large set of strings (`hash_column IN %(name)s`), which
    ClickHouse computes: the strings go as a ValuesTable does, and the parameter becomes a subquery hashing them."""


class _Identifier:
    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return self.name


def _external_tables(params: Params) -> tuple[Params, list[dict] | None]:
    """The parameters with each ValuesTable replaced by the name of the external table that carries it."""
    if not params or not any(isinstance(value, ValuesTable) for value in params.values()):
        return params, None
    substituted, tables = dict(params), []
    for name, value in params.items():
        if isinstance(value, ValuesTable):
            table = f"_external_{name}"
            tables.append(
                {"name": table, "structure": [("value", "String")], "data": [(item,) for item in value.values]}
            )
            hashed = isinstance(value, HashedValuesTable)
            substituted[name] = _Identifier(f"(SELECT cityHash64(value) FROM {table})" if hashed else table)
    return substituted, tables


class _PlainDecimal:
    """A Decimal spelled in plain notation: clickhouse-driver's escaping would write str(Decimal), e.g. 0E-12."""

    def __init__(self, value: Decimal):
        self.value = value

    def __str__(self) -> str:
        return f"{self.value:f}"


_STRING_ESCAPES = str.maketrans(escape_chars_map)


class StringTuple:
    """A tuple parameter of strings, spelled exactly as clickhouse-driver's escaping would spell it but with one
    str.translate per string instead of a generator over its characters (the cost of a flush's 5,000-key IN list).
    """

    def __init__(self, values: Iterable[str]):
        self.values = tuple(values)

    def __str__(self) -> str:
        return "(" + ", ".join(f"'{value.translate(_STRING_ESCAPES)}'" for value in self.values) + ")"


class _HashedStrings(StringTuple):
    def __str__(self) -> str:
        return f"(SELECT cityHash64(arrayJoin([{super().__str__()[1:-1]}])))"


def _literal_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _PlainDecimal(value)
    if isinstance(value, HashedValuesTable):
        return _HashedStrings(value.values)
    if isinstance(value, ValuesTable):
        return StringTuple(value.values)
    if isinstance(value, list | tuple):
        return type(value)(_literal_ready(item) for item in value)
    return value


class ChdbTransport:
    """Modern ClickHouse in-process through chdb, for tests: parameters are substituted exactly as
    clickhouse-driver does client-side, and JSONCompact rows are turned into tuples like the driver's. One session
    runs one query at a time."""

    concurrent = False

    def __init__(self, session, *, database: str):
        self.database = database
        self._session = session
        self._session.query("SET output_format_json_quote_decimals = 1")

    def _run(self, query: str) -> list[tuple]:
        result = self._session.query(query, "JSONCompact")
        text = result.bytes().decode() if hasattr(result, "bytes") else str(result)
        if not text.strip():
            return []
        return [tuple(row) for row in json.loads(text, parse_float=Decimal)["data"]]

    def execute(self, query: str, params: Params = None) -> list[tuple]:
        if params is not None:
            query = query % escape_params({key: _literal_ready(value) for key, value in params.items()}, None)
        return self._run(query)

    def iterate(self, query: str, params: Params = None) -> Iterator[tuple]:
        yield from self.execute(query, params)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        if not rows:
            return
        values = ", ".join(str(escape_param(_literal_ready(tuple(row)), None)) for row in rows)
        self._session.query(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}")

    def insert_columns(self, table: str, columns: Sequence[str], values: Sequence[Sequence]) -> None:
        self.insert(table, columns, list(zip(*values, strict=True)))

    def create_database(self) -> None:
        """Creates the database and makes it the session's current one (chdb has no per-query database)."""
        self._session.query(f"CREATE DATABASE IF NOT EXISTS {quoted_database(self.database)}")
        self._session.query(f"USE {quoted_database(self.database)}")

    def drop_database(self) -> None:
        self._session.query(f"DROP DATABASE IF EXISTS {quoted_database(self.database)}")
