"""The processes a benchmark run needs: its own PostgreSQL and ClickHouse (scripts/test_servers.py's context
managers), the migrated database, production-style gunicorn servers and the ClickHouse flusher loop."""

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench.cpu import pid_with_argument
from scripts.test_servers import background, clickhouse, free_port, postgres

BASE_DIR = Path(__file__).resolve().parent.parent
# The web server answers the baseline view too. The other processes (migrations, the flusher, this runner) need no
# URLs and use the production settings as they are: billing/celery.py reads settings while the billing package is
# imported, which a settings module importing billing.settings only survives when billing is imported first, as
# gunicorn's billing.wsgi does.
WEB_SETTINGS_MODULE = "bench.settings"
SETTINGS_MODULE = "billing.settings"
DEFAULT_WEB_WORKERS = 2  # DESIGN.md measured 2 sync workers beating gthread on the database paths


@dataclass(frozen=True)
class BenchServers:
    workdir: Path
    database_url: str
    clickhouse_url: str
    postgres_pid: int | None
    clickhouse_pid: int | None
    web_workers: int = DEFAULT_WEB_WORKERS

    def environment(self, *, clickhouse_store: bool, settings_module: str = SETTINGS_MODULE) -> dict[str, str]:
        """The environment of a production-style process: DEBUG off, persistent database connections."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": self.database_url,
            "CLICKHOUSE_URL": self.clickhouse_url if clickhouse_store else "",
            "DEBUG": "false",
            "CONN_MAX_AGE": "600",
            "PYTHONPATH": str(BASE_DIR),
        }


def _database_create(database_url: str) -> None:
    parts = urlsplit(database_url)
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')


def _manage(servers: BenchServers, *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env={**servers.environment(clickhouse_store=True), "LOG_LEVEL": "WARNING"},
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def bench_servers(workdir: Path, *, web_workers: int = DEFAULT_WEB_WORKERS) -> Iterator[BenchServers]:
    """PostgreSQL and ClickHouse on free loopback ports, migrated, stopped on exit."""
    with postgres(workdir) as database_url, clickhouse(workdir) as clickhouse_url:
        servers = BenchServers(
            workdir=workdir,
            database_url=database_url,
            clickhouse_url=clickhouse_url,
            postgres_pid=int((workdir / "pg" / "postmaster.pid").read_text().split()[0]),
            clickhouse_pid=pid_with_argument(f"--config-file={workdir / 'clickhouse' / 'config.xml'}"),
            web_workers=web_workers,
        )
        _database_create(database_url)
        _manage(servers, "migrate", "--noinput")
        _manage(servers, "clickhouse_migrate")
        yield servers


@dataclass(frozen=True)
class WebServer:
    url: str
    pid: int


@contextlib.contextmanager
def gunicorn(servers: BenchServers, *, name: str, clickhouse_store: bool) -> Iterator[WebServer]:
    """The platform under gunicorn with sync workers (they beat gthread on the database paths)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(servers.web_workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        # The application is imported before the port opens, so load starts on ready workers.
        "--preload",
        "billing.wsgi:application",
    ]
    log = servers.workdir / f"gunicorn-{name}.log"
    environment = servers.environment(clickhouse_store=clickhouse_store, settings_module=WEB_SETTINGS_MODULE)
    with background(command, port, f"gunicorn ({name})", log, env=environment, cwd=BASE_DIR) as process:
        yield WebServer(url=f"http://127.0.0.1:{port}", pid=process.pid)
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({name}) exited with {process.returncode}: see {log}")


@contextlib.contextmanager
def flusher_loop(servers: BenchServers) -> Iterator[subprocess.Popen]:
    """bench.flusher in its own process, as a Celery worker would run the flush beside the web server."""
    log = servers.workdir / "flusher.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.flusher"],
            cwd=BASE_DIR,
            env=servers.environment(clickhouse_store=True),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.returncode not in (0, -signal.SIGTERM):
            # The log lives in the run's temporary directory: show its end before it goes.
            tail = log.read_text(errors="replace").splitlines()[-30:]
            print(f"the flusher loop exited with {process.returncode}:", *tail, sep="\n", file=sys.stderr)
