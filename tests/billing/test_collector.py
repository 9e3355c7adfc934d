"""The web and worker entry points tune the garbage collector once the application is loaded (billing.collector).

Each runs in a fresh interpreter: the settings are process-wide, and the test process's own must not change."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from billing.collector import YOUNG_GENERATION_THRESHOLD

BASE_DIR = Path(__file__).resolve().parents[2]
REPORT = "import gc; print(gc.get_threshold()[0], gc.get_freeze_count())"


def _report_after(statement: str) -> tuple[int, int]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "billing.settings"}
    completed = subprocess.run(
        [sys.executable, "-c", f"{statement}; {REPORT}"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    threshold, frozen = completed.stdout.split()
    return int(threshold), int(frozen)


@pytest.mark.parametrize("entry_point", ["import billing.wsgi", "import billing.asgi"])
def test_loading_the_application_freezes_start_up_objects_and_widens_the_young_generation(entry_point):
    threshold, frozen = _report_after(entry_point)

    assert threshold == YOUNG_GENERATION_THRESHOLD
    assert frozen > 10_000  # Django's and the apps' modules, models and settings


def test_a_celery_worker_process_is_tuned_when_it_starts():
    threshold, frozen = _report_after(
        "import django; django.setup(); from billing.celery import app; from celery import signals; "
        "signals.worker_process_init.send(sender=None)"
    )

    assert threshold == YOUNG_GENERATION_THRESHOLD
    assert frozen > 10_000


def test_importing_the_celery_application_alone_leaves_the_collector_alone():
    """Management commands and tests import it too; only a worker's start tunes."""
    untouched = _report_after("pass")

    assert _report_after("import django; django.setup(); from billing.celery import app") == untouched
