"""The ClickHouse store's flush, back to back, as a busy Celery worker would run `metering.flush_events`.

    python -m bench.flusher   (DJANGO_SETTINGS_MODULE, DATABASE_URL and CLICKHOUSE_URL set; SIGTERM stops it)

Between flushes that found nothing it pauses briefly, like the beat schedule's short interval would.
"""

import signal
import sys
import time

import django

IDLE_PAUSE_SECONDS = 0.1


def main() -> int:
    django.setup()
    from metering.tasks import flush_events

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while not stopping:
        if not flush_events():
            time.sleep(IDLE_PAUSE_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
