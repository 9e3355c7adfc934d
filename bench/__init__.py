"""`make bench`: ingestion throughput over HTTP and aggregation latency, for the SQL and the ClickHouse event stores.

Benchmarks, not tests: they print figures and write them to var/bench/*.json; nothing here asserts a speed.
"""
