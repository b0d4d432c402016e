"""WSGI entry point: `flask --app wsgi run`, or gunicorn `wsgi:app` (see README, "Running in production")."""
import gc
import os
import sys


def _serving() -> bool:
    # True for `flask run` and gunicorn; False for one-off commands such as `flask db upgrade`.
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    return ("flask" in program and "run" in sys.argv[1:]) or "gunicorn" in program


# No garbage collection while the app is imported and created: start-up makes ~250,000 objects that live as long as
# the process (modules, classes, the URL map, the mappers), and the collector scanned them again and again on the
# way (~0.13 s of CPU), then in every full collection after it (~90 ms each: one while the models load) and once
# more at exit. Afterwards they are frozen (gc.freeze: left out of every later collection, which then only looks at
# what the process makes from here on); the few cyclic leftovers of importing (~900 objects, ~0.2 MB) stay with them.
# Measured: `moderation score` on one text 2.07 -> 1.35 s of CPU (bench/RESULTS.md, "Serving runtime").
_collecting = gc.isenabled()
gc.disable()
try:
    from community import allocator, create_app

    if _serving():
        allocator.limit_arenas()  # before the process starts its threads: few malloc arenas (community/allocator.py)

    # HAVEN_INSTANCE_PATH: where generated secrets (and SQLite by default) live, when not ./instance.
    app = create_app(instance_path=os.environ.get("HAVEN_INSTANCE_PATH") or None)
finally:
    gc.freeze()
    if _collecting:
        gc.enable()


if _serving():
    allocator.start_trimmer(app.config["MEMORY_TRIM_SECONDS"])  # free pages given back (community/allocator.py)

if _serving() and os.environ.get("HAVEN_BACKGROUND_JOBS", "1") != "0":
    from moderation.jobs import start_retry_loop, warm_up
    warm_up(app)
    if app.config.get("JOBS_BACKEND") != "rq":  # with "rq", one `flask --app wsgi jobs worker` runs them
        start_retry_loop(app)
