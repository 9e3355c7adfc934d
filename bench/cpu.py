"""Where the CPU went during a measured run, per component, in cores (CPU-seconds per wall second), from /proc.

On a 2-core machine that also runs the load generator, the split says more than a profile of one process: how much
the web workers, PostgreSQL, ClickHouse, the flusher, wrk and any process outside the benchmark each took.
"""

import os
import resource
import time
from collections.abc import Mapping
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OTHER = "other processes"
LOAD_GENERATOR = "wrk"


def _process_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return table


def _tree_seconds(table: Mapping[int, tuple[int, float]], root: int) -> float:
    children: dict[int, list[int]] = {}
    for pid, (parent, _seconds) in table.items():
        children.setdefault(parent, []).append(pid)
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        total += table[pid][1] if pid in table else 0.0
        pending.extend(children.get(pid, ()))
    return total


def process_tree_seconds(root: int) -> float:
    """CPU seconds the process and its descendants have used so far."""
    return _tree_seconds(_process_table(), root)


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks[:8]) - idle - iowait) / CLOCK_TICKS


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pid_with_argument(argument: str) -> int | None:
    """The process whose command line holds `argument` (a server's config path, unique to this run)."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                command_line = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue
            if argument.encode() in command_line.split(b"\0"):
                return int(entry.name)
    return None


class CpuMeter:
    """Cores used by each named process tree (by its root pid), by the waited-for children of this process (the
    load generator: wrk runs to completion inside the measured span) and by everything else on the machine."""

    def __init__(self, roots: Mapping[str, int | None]):
        self.roots = {name: pid for name, pid in roots.items() if pid is not None}

    def __enter__(self) -> "CpuMeter":
        self.cores: dict[str, float] = {}
        self._started = time.monotonic()
        self._machine = _machine_busy_seconds()
        self._children = _children_seconds()
        table = _process_table()
        self._trees = {name: _tree_seconds(table, pid) for name, pid in self.roots.items()}
        return self

    def __exit__(self, *exc_info) -> None:
        elapsed = time.monotonic() - self._started
        table = _process_table()
        used = {name: _tree_seconds(table, pid) - self._trees[name] for name, pid in self.roots.items()}
        used[LOAD_GENERATOR] = _children_seconds() - self._children
        used[OTHER] = max(0.0, _machine_busy_seconds() - self._machine - sum(used.values()))
        self.cores = {name: round(seconds / elapsed, 2) for name, seconds in used.items()}
