"""Usage queries run side by side: a current-usage call or a billing batch asks one query per metric, and ClickHouse
answers each in a few milliseconds mostly spent planning and waiting, so running them together cuts the wall time to
about the slowest one. One pool per process (a pool inherited through fork() has no threads); each of its threads
keeps its own connection (DriverTransport is per thread)."""

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

QUERY_THREADS = 4

Item = TypeVar("Item")
Result = TypeVar("Result")

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def started(
    function: Callable[[Item], Result], items: Sequence[Item], *, concurrently: bool = True
) -> Callable[[], list[Result]]:
    """Starts function(item) for each item and returns what waits for the results, in order (the first exception
    raised is raised there), so that the caller can do other work meanwhile. A single item, or concurrently=False
    (a transport that runs one query at a time), is computed here and now."""
    if not concurrently or len(items) < 2:
        results = [function(item) for item in items]
        return lambda: results
    futures = [_pool().submit(function, item) for item in items]
    return lambda: [future.result() for future in futures]


def _pool() -> ThreadPoolExecutor:
    pid = os.getpid()
    with _pools_lock:
        pool = _pools.get(pid)
        if pool is None:
            _pools.clear()  # a parent's pool, useless here
            pool = _pools[pid] = ThreadPoolExecutor(max_workers=QUERY_THREADS, thread_name_prefix="usage-query")
        return pool
