"""`make run`: the web server, a Celery worker and an embedded beat on kombu's filesystem broker, stopped together.

Ctrl-C (or SIGTERM to this process) stops all of them; if one of them dies, the other is stopped too and the exit
status says so.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
BROKER_DIR = VAR_DIR / "broker"
ADDRESS = "127.0.0.1:8000"
GRACE_SECONDS = 10


def commands(python: str) -> list[list[str]]:
    web = [python, "manage.py", "runserver", ADDRESS, "--noreload"]
    # Gossip, mingle and heartbeats are broadcasts between workers: with one worker on a polled filesystem broker they
    # would only add files to sweep.
    worker = [
        python,
        "-m",
        "celery",
        "-A",
        "billing",
        "worker",
        "--beat",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--schedule",
        str(VAR_DIR / "celerybeat-schedule"),
    ]
    return [web, worker]


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM whoever is still running, then SIGKILL whoever outlives the grace period."""
    # A second Ctrl-C reaches the children directly (Celery's cold shutdown); here it must not cut the wait short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    # Both signals stop everything, even where SIGINT was inherited as ignored (a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    exit_code = 0
    try:
        for command in commands(sys.executable):
            processes.append(subprocess.Popen(command, cwd=BASE_DIR))
        print(
            f"Serving http://{ADDRESS}/ (admin /admin/, API /api/v1/, OpenAPI /api/schema/, Swagger UI /api/docs/) "
            "with a Celery worker and beat. Ctrl-C stops all of them.",
            flush=True,
        )
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        exit_code = next(process.returncode for process in processes if process.returncode is not None) or 1
        print("A process of `make run` exited on its own; stopping the others.", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)
    return exit_code


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
    sys.exit(main())
