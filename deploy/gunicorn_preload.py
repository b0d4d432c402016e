"""gunicorn settings for several workers in one process group sharing ONE copy of the screening models.

    gunicorn -c deploy/gunicorn_preload.py -w 3 --threads 100 -b 0.0.0.0:8000 wsgi:app

The master imports the app and loads the embedded models (loading includes a warm inference) before it forks, with
one ONNX Runtime thread per session: such a session has no thread pool, so every worker keeps using the master's
sessions after fork() and the ~100 MB of weights stay shared copy-on-write (README "Running in production" has the
memory per extra worker). Each worker then warms its models once more (a first inference in a new process
allocates its buffers) and starts its own background jobs before it accepts a request.

Socket.IO: a session lives in one worker; WebSocket clients (Haven's pages try WebSocket first) stay on their
worker, but the HTTP long-polling fallback needs sticky routing, which gunicorn's workers do not have. Use several
workers with REDIS_URL set, and keep `-w 1` per process (more processes behind the sticky proxy) where clients
may fall back to polling.
"""
import os

preload_app = True

# Read before we change them: whether the user wants background jobs, and how often to retry.
_JOBS = os.environ.get("HAVEN_BACKGROUND_JOBS", "1") != "0"
_RETRY_SECONDS = float(os.environ.get("UNSCREENED_RETRY_SECONDS", "60"))
# Threads do not survive fork(): the master starts none (wsgi.py reads this); each worker starts its own below.
os.environ["HAVEN_BACKGROUND_JOBS"] = "0"
# One intra-op thread per session: no thread pool, so the master's sessions (and their weights) serve every worker.
os.environ.setdefault("MODERATION_THREADS", "1")


def _app():
    import wsgi

    return wsgi.app


def on_starting(server):
    """In the master, after the app is imported: load (and warm) the classifiers before any worker is forked."""
    from moderation.classifiers.registry import backends

    loaded = backends(_app())
    server.log.info("screening models loaded in the master: %s",
                    ", ".join(f"{r['slot']}={r['name']}@{r['version']}" for r in loaded.describe()))


def post_fork(server, worker):
    """In the worker: no database connection inherited from the master is ever reused."""
    from community.extensions import db

    app = _app()
    with app.app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker):
    """In the worker, before it accepts requests: warm this process's models, then start its background jobs."""
    from moderation.classifiers.registry import backends

    app = _app()
    loaded = backends(app)
    for clf in (loaded.toxicity, loaded.self_harm):
        warm = getattr(getattr(clf, "_engine", None), "warm", None)
        if warm is not None:
            warm()
            break  # one engine serves both classifiers
    from community import allocator

    allocator.start_trimmer(app.config["MEMORY_TRIM_SECONDS"])  # the master's thread did not survive fork()
    if _JOBS:
        from moderation.jobs import start_retry_loop

        start_retry_loop(app, _RETRY_SECONDS)
