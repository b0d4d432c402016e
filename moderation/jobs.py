"""Background work: warm the screening models at start-up, and the periodic jobs (screen again items held as
unscreened after a classifier failure; clear claims whose time ran out).

Two ways to run the periodic jobs (JOBS_BACKEND):
- "thread" (the embedded default): a daemon thread in each serving process (wsgi.py starts it).
- "rq" (the scaled-out deployment, compose.yaml): one `flask --app wsgi jobs worker` process runs them from an RQ
  queue on Redis, so N web processes do not each retry the same items. The worker puts each job on the queue once
  per interval and works it; a job takes a Redis lock for its interval first, so a second worker (or a job queued
  twice across a restart) skips instead of running the same work again. Nothing is lost when Redis restarts: the
  next interval queues the job afresh.

Only started when the process serves requests (wsgi.py decides) or as the worker, never for one-off CLI commands.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import current_app
from community.async_mode import start_native_thread
from community.extensions import db
from moderation import care
from moderation.queue.services import expire_claims, retry_unscreened
from moderation.classifiers.registry import backends

log = logging.getLogger(__name__)


def warm_up(app) -> None:
    """Load the classifiers now, in the background, so the first post does not wait for them. Loading includes one
    warm-up inference per model (moderation/classifiers/registry.py), so whichever comes first, this thread or a
    member's post, the text is timed against a warm model."""
    def run():
        started = time.perf_counter()
        loaded = backends(app)
        log.info("screening models ready in %.1fs: %s", time.perf_counter() - started,
                 ", ".join(f"{r['slot']}={r['name']}@{r['version']}" for r in loaded.describe()))
    # A real OS thread even under gevent: loading and the first inference are seconds of CPU that would otherwise
    # stall every connection of the process.
    start_native_thread(run, "model-warm-up")


# --- the periodic jobs -------------------------------------------------------------------------------------------

def _retry_unscreened() -> dict:
    return retry_unscreened()


def _expire_claims() -> dict:
    return {"expired": expire_claims()}


def _send_care_followups() -> dict:
    return care.send_due()


# name -> (function, config key of its interval in seconds)
PERIODIC = {"retry_unscreened": (_retry_unscreened, "UNSCREENED_RETRY_SECONDS"),
            "expire_claims": (_expire_claims, "EXPIRE_CLAIMS_SECONDS"),
            "send_care_followups": (_send_care_followups, "CARE_FOLLOWUP_SECONDS")}


def run_once(name: str) -> dict:
    """Run one periodic job in the current app context; never raises (the schedule must survive a bad moment)."""
    function, _ = PERIODIC[name]
    try:
        result = function()
        if any(result.values()):
            log.info("periodic %s: %s", name, result)
        return result
    except Exception:  # noqa: BLE001 - e.g. a database restart; the next run tries again
        log.exception("periodic %s failed", name)
        db.session.rollback()
        return {"failed": 1}
    finally:
        db.session.remove()


def start_retry_loop(app, interval_seconds: float | None = None) -> threading.Thread:
    """The embedded default: every interval, in this process, run the periodic jobs."""
    interval = interval_seconds or float(app.config.get("UNSCREENED_RETRY_SECONDS", 60))

    def loop():
        while True:
            time.sleep(interval)
            with app.app_context():
                for name in PERIODIC:
                    run_once(name)
    thread = threading.Thread(target=loop, name="unscreened-retry", daemon=True)
    thread.start()
    return thread


# --- RQ: one worker process for the whole deployment ---------------------------------------------------------------

def _redis(app):
    from redis import Redis
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("JOBS_BACKEND=rq needs REDIS_URL.")
    return Redis.from_url(url)


def _queue(app):
    from rq import Queue
    return Queue(app.config.get("JOBS_QUEUE") or "haven", connection=_redis(app))


def _interval(app, name: str) -> float:
    return max(1.0, float(app.config.get(PERIODIC[name][1]) or 60))


def periodic_job(name: str) -> dict:
    """The RQ job: run `name` unless another worker already ran it within its interval (a Redis lock)."""
    app = current_app._get_current_object()
    lock = f"haven:jobs:{app.config.get('JOBS_QUEUE') or 'haven'}:lock:{name}"
    if not _redis(app).set(lock, "1", nx=True, px=int(_interval(app, name) * 900)):  # 90 % of the interval
        return {"skipped": 1}
    return run_once(name)


def _enqueue_when_due(app, stop: threading.Event) -> None:
    """The worker's timer: put each periodic job on the queue once per interval. A job not started within its
    interval expires (`ttl`) instead of piling up behind a slow one."""
    queue = _queue(app)
    due = {name: 0.0 for name in PERIODIC}
    while not stop.is_set():
        now = time.monotonic()
        for name, when in due.items():
            if now >= when:
                interval = _interval(app, name)
                try:
                    queue.enqueue(periodic_job, name, ttl=max(1, int(interval)), result_ttl=int(interval * 2),
                                  failure_ttl=3600)
                    due[name] = now + interval
                except Exception:  # noqa: BLE001 - Redis restarting: try again shortly
                    log.warning("could not enqueue periodic %s", name, exc_info=True)
                    due[name] = now + 1
        stop.wait(0.25)


def run_worker(app, burst: bool = False) -> None:
    """`flask --app wsgi jobs worker`: enqueue the periodic jobs when due and work the queue. SimpleWorker runs
    jobs in this process, inside the app context, with the models loaded once. `burst` enqueues one round and
    stops when the queue is empty."""
    from rq import SimpleWorker
    warm_up(app)
    stop = threading.Event()
    if burst:
        queue = _queue(app)
        for name in PERIODIC:
            queue.enqueue(periodic_job, name, result_ttl=60, failure_ttl=3600)
    else:
        threading.Thread(target=_enqueue_when_due, args=(app, stop), name="periodic-jobs", daemon=True).start()
    try:
        SimpleWorker([_queue(app)], connection=_redis(app)).work(burst=burst)
    finally:
        stop.set()
