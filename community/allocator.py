"""glibc malloc settings for a long-running server process: few arenas, and free pages given back.

A serving process runs up to ~100 threads (gunicorn `--threads 100`, or native threads beside gevent), and glibc
gives threads up to 8 malloc arenas per core. Each arena keeps the pages of what its threads freed (the screening
model's activations, rendered pages, query rows), so a worker that served a burst of posts stayed ~75 MiB above
its size after warm-up and never came down (bench/RESULTS.md, "Memory after sustained load"). Two things give
most of it back (what stays after a trim is live data: the bounded caches, the threads' stacks):

- `limit_arenas()`: at most ARENAS arenas (mallopt M_ARENA_MAX), before the process starts its threads;
- `start_trimmer()`: every MEMORY_TRIM_SECONDS, malloc_trim(0) hands the free pages of every arena back to the
  kernel (a few milliseconds; the next large allocation faults its pages in again).

The mmap threshold is left to glibc: a fixed low one made every model run map and unmap its activations (+17 % CPU
per screening call, measured). An operator's own MALLOC_ARENA_MAX or GLIBC_TUNABLES wins: glibc has applied them
before Python starts, and limit_arenas() leaves them alone. On a C library other than glibc (musl, macOS) both are
no-ops.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

from community.async_mode import native_sleep, start_native_thread

log = logging.getLogger(__name__)

ARENAS = 2
M_ARENA_MAX = -8  # glibc's malloc.h
PR_SET_NAME = 15  # linux/prctl.h
THREAD_NAME = "memory-trim"


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # glibc only
        libc.mallopt  # noqa: B018
        libc.malloc_trim  # noqa: B018
        libc.prctl  # noqa: B018
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    return libc


_libc = _glibc()


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas from now on (threads made later share them). True when set."""
    if _libc is None or "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    return bool(_libc.mallopt(M_ARENA_MAX, int(arenas)))


def release_free_memory() -> bool:
    """Give the free pages of every arena back to the kernel now. True when some memory was released."""
    return bool(_libc.malloc_trim(0)) if _libc is not None else False


def start_trimmer(seconds: float) -> bool:
    """A native daemon thread calling release_free_memory() every `seconds` (0 or less, or not glibc: none)."""
    if _libc is None or seconds <= 0:
        return False

    def loop():
        _libc.prctl(PR_SET_NAME, THREAD_NAME.encode(), 0, 0, 0)  # the OS thread's name too: `top -H`, /proc/<pid>/task
        while True:
            native_sleep(seconds)
            try:
                release_free_memory()
            except Exception:  # noqa: BLE001 - never let the trimmer take the process down
                log.exception("malloc_trim failed")
    start_native_thread(loop, THREAD_NAME)
    return True
