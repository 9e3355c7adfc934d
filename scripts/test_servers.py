"""Start throwaway PostgreSQL, Redis, ClickHouse and localstripe servers on loopback, run a command against them, stop
them.

    python scripts/test_servers.py -- pytest -q

The command sees DATABASE_URL (PostgreSQL), REDIS_URL, TEST_CLICKHOUSE_URL (the ClickHouse 18.16 server) and
STRIPE_API_BASE (localstripe, a fake Stripe API). Every server is stopped when the command ends, fails or is
interrupted. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, name: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout}s")


def pg_bin(name: str) -> str:
    found = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")))
    if found:
        return str(found[-1] / name)
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} not found: install postgresql")
    return path


def as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres(workdir: Path):
    data = workdir / "pg"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        as_postgres_user(
            [pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    pg_ctl = [pg_bin("pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-o", options]
    subprocess.run(as_postgres_user([*pg_ctl, "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/billing"
    finally:
        subprocess.run(as_postgres_user([*pg_ctl, "-m", "immediate", "-w", "stop"]), stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def background(command: list[str], port: int, name: str, log: Path, **kwargs):
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    try:
        wait_for_port(port, name, process=process)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def redis(workdir: Path, *, appendfsync: str = "always"):
    """appendfsync always by default: the ClickHouse store's event inbox refuses a Redis that does not persist every
    write before answering (a cache and a broker can do with everysec)."""
    port = free_port()
    directory = workdir / f"redis-{port}"
    directory.mkdir()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--dir",
        str(directory),
    ]
    with background(command, port, "redis-server", directory / "redis.log"):
        yield f"redis://127.0.0.1:{port}/0"


CLICKHOUSE_CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/server.err.log</errorlog></logger>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <listen_host>127.0.0.1</listen_host>
    <path>{dir}/data/</path>
    <tmp_path>{dir}/tmp/</tmp_path>
    <user_files_path>{dir}/user_files/</user_files_path>
    <format_schema_path>{dir}/format_schemas/</format_schema_path>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <users_config>{dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
</yandex>
"""

CLICKHOUSE_USERS = """<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


@contextlib.contextmanager
def clickhouse(workdir: Path):
    directory = workdir / "clickhouse"
    directory.mkdir()
    tcp_port, http_port = free_port(), free_port()
    (directory / "config.xml").write_text(
        CLICKHOUSE_CONFIG.format(dir=directory, tcp_port=tcp_port, http_port=http_port)
    )
    (directory / "users.xml").write_text(CLICKHOUSE_USERS)
    command = ["clickhouse-server", f"--config-file={directory / 'config.xml'}"]
    with background(command, tcp_port, "clickhouse-server", directory / "stdout.log", cwd=directory):
        yield f"clickhouse://default@127.0.0.1:{tcp_port}/default"


@contextlib.contextmanager
def localstripe(workdir: Path):
    port = free_port()
    command = [sys.executable, str(Path(__file__).with_name("localstripe_loopback.py")), "--port", str(port)]
    with background(command, port, "localstripe", workdir / "localstripe.log"):
        yield f"http://127.0.0.1:{port}"


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    # A SIGTERM (CI timeout, Ctrl-C of make) must unwind through the context managers that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="billing-test-servers-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)
        with (
            postgres(workdir) as database_url,
            redis(workdir) as redis_url,
            clickhouse(workdir) as clickhouse_url,
            localstripe(workdir) as stripe_api_base,
        ):
            environment = {
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "TEST_CLICKHOUSE_URL": clickhouse_url,
                "STRIPE_API_BASE": stripe_api_base,
            }
            print(f"test servers: {database_url} {redis_url} {clickhouse_url} {stripe_api_base}", flush=True)
            try:
                return subprocess.run(argv, env=environment).returncode
            except KeyboardInterrupt:
                return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
