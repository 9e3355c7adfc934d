"""Parameters both transports take the same way: ValuesTable, a large set of strings (an external table for the
server, a literal tuple for chdb)."""

from metering.stores.clickhouse.transport import StringTuple, ValuesTable

FIRST_HUNDRED = "SELECT number FROM (SELECT number FROM system.numbers LIMIT 100) WHERE toString(number) IN %(values)s"


def test_a_values_table_matches_exactly_its_strings(transport):
    values = ValuesTable(["3", "42", "o'k\\", "", "100", "42"])

    rows = transport.execute(FIRST_HUNDRED + " ORDER BY number", {"values": values})

    assert [row[0] for row in rows] == [3, 42]


def test_a_values_table_of_a_whole_flush_batch_is_taken(transport):
    values = ValuesTable([str(number) for number in range(0, 40_000, 2)])  # 20,000 strings

    rows = transport.execute(FIRST_HUNDRED + " AND number < %(limit)s", {"values": values, "limit": 10})

    assert sorted(row[0] for row in rows) == [0, 2, 4, 6, 8]


def test_values_tables_mix_with_literal_parameters(transport):
    query = FIRST_HUNDRED + " AND toString(number) IN %(others)s AND toString(number + 1) IN %(next)s"

    rows = transport.execute(
        query, {"values": ValuesTable(["5", "6", "7"]), "others": StringTuple(["6", "7"]), "next": ValuesTable(["8"])}
    )

    assert rows == [(7,)]
