"""`make run`: the web server, a Celery worker and an embedded beat on kombu's filesystem broker, stopped together."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER_DIR = BASE_DIR / "var" / "broker"


def main() -> int:
    for folder in ("queue", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    python = sys.executable
    processes = [
        subprocess.Popen([python, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"], cwd=BASE_DIR),
        subprocess.Popen(
            [python, "-m", "celery", "-A", "billing", "worker", "--beat", "--pool=solo", "--loglevel=INFO",
             "--schedule", str(BASE_DIR / "var" / "celerybeat-schedule")],
            cwd=BASE_DIR,
        ),
    ]

    def stop(*_):
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
    sys.exit(main())
