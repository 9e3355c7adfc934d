"""The ClickHouse store's flush as production runs it: `metering.flush_events` on the beat schedule's interval.

    python -m bench.flusher   (DJANGO_SETTINGS_MODULE, DATABASE_URL and CLICKHOUSE_URL set; SIGTERM stops it)

A flush drains the whole inbox in batches; the next one starts an interval after the previous one started, or at
once when the previous one took longer (a busy worker picking up the next beat message).
"""

import signal
import sys
import time

import django


def main() -> int:
    django.setup()
    from billing.celery import app
    from billing.collector import collector_tune
    from metering.tasks import flush_events

    collector_tune()  # as billing.celery does in each worker process

    interval = app.conf.beat_schedule["flush-events"]["schedule"].total_seconds()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        started = time.monotonic()
        flush_events()
        while not stopping and time.monotonic() - started < interval:
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
