"""Background work in a serving process: warm the screening models at start-up and retry unscreened items.

Only started when the process serves requests (wsgi.py decides), never for one-off CLI commands.
"""
from __future__ import annotations

import logging
import threading
import time

from community.async_mode import start_native_thread

log = logging.getLogger(__name__)


def warm_up(app) -> None:
    """Load the classifiers now, in the background, so the first post does not wait for them."""
    def run():
        from moderation.classifiers.registry import backends
        started = time.perf_counter()
        loaded = backends(app)
        # One pass through each model too: the first inference is much slower than the rest (about 1.4 s on a
        # laptop CPU), and a first post scored cold under load could pass MODERATION_TIMEOUT and be held unscreened.
        loaded.toxicity.score(["warming up"])
        loaded.self_harm.score(["warming up"])
        log.info("screening models ready in %.1fs: %s", time.perf_counter() - started,
                 ", ".join(f"{r['slot']}={r['name']}@{r['version']}" for r in loaded.describe()))
    # A real OS thread even under gevent: loading and the first inference are seconds of CPU that would otherwise
    # stall every connection of the process.
    start_native_thread(run, "model-warm-up")


def start_retry_loop(app, interval_seconds: float = 60.0) -> threading.Thread:
    """Every `interval_seconds`, screen again items held as "unscreened" after a classifier failure."""
    def loop():
        from community.extensions import db
        from moderation.queue.services import retry_unscreened
        while True:
            time.sleep(interval_seconds)
            with app.app_context():
                try:
                    result = retry_unscreened()
                    if result["retried"]:
                        log.info("rescreened unscreened items: %s", result)
                except Exception:  # noqa: BLE001 - the loop must survive a bad moment (e.g. database restart)
                    log.exception("retrying unscreened items failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
    thread = threading.Thread(target=loop, name="unscreened-retry", daemon=True)
    thread.start()
    return thread
