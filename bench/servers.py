"""The processes a benchmark run needs: its own PostgreSQL and ClickHouse (and Redis for the billing benchmark's
Celery broker: scripts/test_servers.py's context managers), the migrated database, production-style gunicorn servers,
the ClickHouse flusher loop and a Celery worker."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from redis import Redis as RedisClient

from bench.cpu import pid_with_argument
from scripts.test_servers import background, clickhouse, free_port, postgres, redis

BASE_DIR = Path(__file__).resolve().parent.parent
# The web server answers the baseline view too. The other processes (migrations, the flusher, this runner) need no
# URLs and use the production settings as they are: billing/celery.py reads settings while the billing package is
# imported, which a settings module importing billing.settings only survives when billing is imported first, as
# gunicorn's billing.wsgi does.
WEB_SETTINGS_MODULE = "bench.settings"
SETTINGS_MODULE = "billing.settings"
DEFAULT_WEB_WORKERS = 2  # DESIGN.md measured 2 sync workers beating gthread on the database paths
# With the ClickHouse store a request waits for the event inbox's fsync (appendfsync always): 2 workers left a third of
# a core idle, and a third worker uses it (2026-11-22, same run: 0.091x against 0.072x of the baseline; the SQL store
# lost 8% with 3). compose.yaml's web runs 3 for the same reason.
DEFAULT_CLICKHOUSE_WEB_WORKERS = 3


@dataclass(frozen=True)
class BenchServers:
    workdir: Path
    database_url: str
    clickhouse_url: str
    postgres_pid: int | None
    clickhouse_pid: int | None
    web_workers: int = DEFAULT_WEB_WORKERS
    clickhouse_web_workers: int = DEFAULT_CLICKHOUSE_WEB_WORKERS
    redis_url: str | None = None
    inbox_url: str | None = None
    redis_pid: int | None = None
    inbox_pid: int | None = None

    def environment(self, *, clickhouse_store: bool, settings_module: str = SETTINGS_MODULE) -> dict[str, str]:
        """The environment of a production-style process: DEBUG off, persistent database connections, and with Redis
        the cache (database 0; the Celery broker has 1) and the ClickHouse store's event inbox, on a Redis of its own
        that fsyncs every write (compose.yaml's layout)."""
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": self.database_url,
            "CLICKHOUSE_URL": self.clickhouse_url if clickhouse_store else "",
            "DEBUG": "false",
            "CONN_MAX_AGE": "600",
            "PYTHONPATH": str(BASE_DIR),
        }
        if self.redis_url is not None:
            environment |= {"REDIS_URL": self.redis_url, "EVENTS_INBOX_REDIS_URL": self.inbox_url}
        return environment


def _redis_pid(url: str | None) -> int | None:
    if url is None:
        return None
    client = RedisClient.from_url(url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


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
def bench_servers(
    workdir: Path,
    *,
    web_workers: int = DEFAULT_WEB_WORKERS,
    clickhouse_web_workers: int = DEFAULT_CLICKHOUSE_WEB_WORKERS,
    with_redis: bool = False,
) -> Iterator[BenchServers]:
    """PostgreSQL and ClickHouse (and Redis when asked) on free loopback ports, migrated, stopped on exit."""
    with (
        postgres(workdir) as database_url,
        clickhouse(workdir) as clickhouse_url,
        redis(workdir, appendfsync="everysec") if with_redis else contextlib.nullcontext() as redis_url,
        redis(workdir) if with_redis else contextlib.nullcontext() as inbox_url,
    ):
        servers = BenchServers(
            workdir=workdir,
            database_url=database_url,
            clickhouse_url=clickhouse_url,
            postgres_pid=int((workdir / "pg" / "postmaster.pid").read_text().split()[0]),
            clickhouse_pid=pid_with_argument(f"--config-file={workdir / 'clickhouse' / 'config.xml'}"),
            web_workers=web_workers,
            clickhouse_web_workers=clickhouse_web_workers,
            redis_url=redis_url,
            inbox_url=inbox_url,
            redis_pid=_redis_pid(redis_url),
            inbox_pid=_redis_pid(inbox_url),
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
        str(servers.clickhouse_web_workers if clickhouse_store else servers.web_workers),
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


@dataclass(frozen=True)
class CeleryWorker:
    broker_url: str
    pid: int
    log: Path

    def errors(self, *, last: int = 5) -> list[str]:
        """The last lines of its log that report an error (a failed task, a crashed child)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "ERROR" in line or "CRITICAL" in line][-last:]


@contextlib.contextmanager
def celery_worker(
    servers: BenchServers, *, concurrency: int, settings_module: str = SETTINGS_MODULE
) -> Iterator[CeleryWorker]:
    """`celery -A billing worker` with the ClickHouse store, on Redis (broker in database 1, cache in database 0),
    yielded once it consumes."""
    if servers.redis_url is None:
        raise RuntimeError("the Celery worker needs bench_servers(..., with_redis=True)")
    broker_url = servers.redis_url.rsplit("/", 1)[0] + "/1"
    log = servers.workdir / "celery-worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "billing",
        "worker",
        "--concurrency",
        str(concurrency),
        # INFO: the worker says when it is ready to consume.
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    environment = {
        **servers.environment(clickhouse_store=True, settings_module=settings_module),
        "REDIS_URL": servers.redis_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for_line(process, log, " ready.", name="celery worker")
        yield CeleryWorker(broker_url=broker_url, pid=process.pid, log=log)
        if process.poll() is not None:
            raise RuntimeError(f"the celery worker exited with {process.returncode}: see {log}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_line(process: subprocess.Popen, log: Path, text: str, *, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError("\n".join([f"{name} did not start (exit code {process.poll()}):", *tail]))
        time.sleep(0.2)
