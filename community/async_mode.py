"""Which concurrency model this process runs under, and real OS threads for CPU-bound work in either.

Production runs gunicorn's gevent worker (README "The server command"): gevent monkey-patches the standard library
before the app is imported, every request and every WebSocket is a greenlet, and an idle socket costs a little
memory instead of a request thread. `flask --app wsgi run` (development) and the tests run unpatched, in threading
mode. Flask-SocketIO's async mode follows what the process is: `gevent` when patched, `threading` otherwise.

Under gevent a patched `threading.Thread` is a greenlet, so CPU-bound work in it (model inference, loading the
models) would stall every connection of the process, and a time-out around it could not fire until it finished.
`native_executor` and `start_native_thread` always give real OS threads: gevent's thread pool when patched (its
futures wait cooperatively, so `future.result(timeout=...)` still times out while the thread computes), the standard
library's otherwise.
"""
from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor


def gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")  # never import gevent just to ask
    try:
        return bool(monkey and monkey.is_module_patched("socket") and monkey.is_module_patched("threading"))
    except Exception:  # noqa: BLE001 - an odd gevent state: behave as unpatched
        return False


def socketio_async_mode() -> str:
    return "gevent" if gevent_patched() else "threading"


def native_executor(max_workers: int, thread_name_prefix: str) -> Executor:
    """A pool of real OS threads whose futures the calling greenlet or thread can wait on with a time-out."""
    if gevent_patched():
        from gevent.threadpool import ThreadPoolExecutor as GeventThreadPoolExecutor
        return GeventThreadPoolExecutor(max_workers=max_workers)
    return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=thread_name_prefix)


def start_native_thread(target, name: str) -> None:
    """Run `target()` once in a real OS thread (daemon), e.g. loading and warming the models at start-up."""
    if gevent_patched():
        from gevent import monkey
        # Not the original threading.Thread: its internals use the patched module's (greenlet) primitives.
        monkey.get_original("_thread", "start_new_thread")(target, ())
        return
    threading.Thread(target=target, name=name, daemon=True).start()


def native_sleep(seconds: float) -> None:
    """Sleep in a real OS thread (one started by start_native_thread): the unpatched time.sleep under gevent, which
    blocks only that thread, never a hub."""
    if gevent_patched():
        from gevent import monkey
        monkey.get_original("time", "sleep")(seconds)
        return
    time.sleep(seconds)
