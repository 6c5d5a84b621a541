"""Worker processes with hard limits set by the operating system, for work on untrusted input: the parsing of
uploaded and imported files and the SQL console's queries.

``run(task, payload)`` forks a worker from a fork server (started once, with the importer and the console
already imported, so a worker starts in a fraction of a second). The worker sets its own address-space
(``RLIMIT_AS``), CPU-time (``RLIMIT_CPU``) and file-size (``RLIMIT_FSIZE``) limits and its thread count, then
calls ``task`` (``"module:function"``, taking the payload and the thread count, returning plain data). The parent waits
at most the wall time and kills the worker after it. The caller gets the task's result, or one ``RiskLabError``:
the task's own, or one naming the limit that stopped the worker (``worker.*`` for a file, ``console_limit.*``
for a query: ``messages``). The server itself never parses the file nor runs the query.
"""

from __future__ import annotations

import importlib
import multiprocessing
import multiprocessing.spawn
import os
import resource
import signal
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from analytics.core import RiskLabError
from analytics.store._failures import user_error


def _setting(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """A worker's limits: address space (MB), CPU seconds, wall seconds, size of a written file (MB), threads."""

    memory_mb: float = _setting("RISKLAB_WORKER_MEMORY_MB", 3072)
    cpu_s: float = _setting("RISKLAB_WORKER_CPU_S", 120)
    wall_s: float = _setting("RISKLAB_WORKER_WALL_S", 180)
    file_mb: float = _setting("RISKLAB_WORKER_FILE_MB", 2048)
    threads: int = int(_setting("RISKLAB_WORKER_THREADS", 2))


LIMITS = Limits()
# imported once by the fork server, inherited by every worker
PRELOAD = ["analytics.datasets._importer", "analytics.store._console"]
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS")
_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None
WORKER_NAME = "risklab-worker"
NICENESS = int(_setting("RISKLAB_WORKER_NICE", 10))  # a worker runs at this lower scheduling priority


def _forkserver() -> multiprocessing.context.BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            multiprocessing.spawn.get_preparation_data = _without_main(multiprocessing.spawn.get_preparation_data)
            _context = context
    return _context


def _without_main(preparation_data):
    """``multiprocessing``'s preparation of a new process, minus re-running the parent's main script in our
    workers: under Streamlit the main script is app.py, which a worker must not run (it would open the database
    the server holds). Other processes are prepared as before."""

    def prepared(name: str) -> dict:
        data = preparation_data(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    return prepared


def run(task: str, payload: dict, limits: Limits | None = None, messages: str = "worker") -> object:
    """``task(payload)`` in a limited worker process (``LIMITS`` unless given): its result, or the
    ``RiskLabError`` it raised or that names the limit it reached (memory, CPU time, wall time, file size), with
    the keys of the ``messages`` section."""
    limits = limits or LIMITS
    context = _forkserver()
    receiving, sending = context.Pipe(duplex=False)
    arguments = (task, payload, asdict(limits), sending)
    worker = context.Process(target=_work, args=arguments, name=WORKER_NAME, daemon=True)
    worker.start()
    sending.close()
    answer, finished = None, False
    try:
        finished = receiving.poll(limits.wall_s)  # an answer, or the end of a worker that died
        if finished:
            answer = receiving.recv()
    except EOFError:
        pass
    finally:
        receiving.close()
    if not finished:
        worker.kill()
        worker.join()
        raise RiskLabError(f"{messages}.wall_time", seconds=limits.wall_s)
    worker.join()
    return _result(answer, worker.exitcode, limits, messages)


def _result(answer: dict | None, code: int | None, limits: Limits, messages: str) -> object:
    """The worker's result, or the error it reported, or the limit its exit status tells."""
    if answer is not None and "result" in answer:
        return answer["result"]
    if answer is not None and "error" in answer:
        raise RiskLabError(answer["error"][0], **answer["error"][1])
    if answer is not None and answer.get("limit") == "memory":
        raise RiskLabError(f"{messages}.memory", mb=limits.memory_mb)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise RiskLabError(f"{messages}.cpu_time", seconds=limits.cpu_s)
    if code == -signal.SIGXFSZ:
        raise RiskLabError(f"{messages}.file_size", mb=limits.file_mb)
    raise RiskLabError(f"{messages}.memory", mb=limits.memory_mb)  # a native allocation that failed ends the process


def _limit_self(limits: dict) -> None:
    """Set this worker's OS limits (soft and hard, so the task cannot raise them) and lower its priority."""
    memory = int(limits["memory_mb"] * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(int(limits["cpu_s"]), 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    size = int(limits["file_mb"] * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; a file grown too big ends the worker
    os.nice(NICENESS)  # the server's own threads (other users' pages) come first on a busy machine
    for name in (*_THREAD_VARIABLES, "RISKLAB_THREADS"):  # RISKLAB_THREADS: the worker's DuckDB too (store.sizing)
        os.environ[name] = str(int(limits["threads"]))


def _work(task: str, payload: dict, limits: dict, sending) -> None:
    """The worker's side: limit itself, run the task, send one answer."""
    _limit_self(limits)
    module, name = task.split(":")
    try:
        answer = {"result": getattr(importlib.import_module(module), name)(payload, threads=int(limits["threads"]))}
    except RiskLabError as exc:
        answer = {"error": (exc.key, {key: _plain(value) for key, value in exc.params.items()})}
    except MemoryError:
        answer = {"limit": "memory"}
    except Exception as exc:  # reported to the parent as one sentence
        if _reached_memory_limit(limits):  # a C library whose allocation failed raises what it likes
            answer = {"limit": "memory"}
        else:
            error = user_error(exc)
            answer = {"error": (error.key, {key: _plain(value) for key, value in error.params.items()})}
    sending.send(answer)
    sending.close()


def _reached_memory_limit(limits: dict) -> bool:
    """True when this worker's peak address space came within 10% of its limit."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return False
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmPeak:")), "0")
    return int(peak) * 1024 >= 0.9 * limits["memory_mb"] * 1024 * 1024


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
