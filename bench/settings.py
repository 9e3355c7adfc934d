"""The production settings plus the bare baseline view's URL, for the benchmarked web servers (gunicorn loads it
through billing.wsgi, which imports the billing package first, as billing/celery.py needs)."""

from billing.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
