"""WSGI entry point: `flask --app wsgi run`, or gunicorn `wsgi:app` (see README, "Running in production")."""
import os
import sys

from community import create_app

# HAVEN_INSTANCE_PATH: where generated secrets (and SQLite by default) live, when not ./instance.
app = create_app(instance_path=os.environ.get("HAVEN_INSTANCE_PATH") or None)


def _serving() -> bool:
    # True for `flask run` and gunicorn; False for one-off commands such as `flask db upgrade`.
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    return ("flask" in program and "run" in sys.argv[1:]) or "gunicorn" in program


if _serving() and os.environ.get("HAVEN_BACKGROUND_JOBS", "1") != "0":
    from moderation.jobs import start_retry_loop, warm_up
    warm_up(app)
    if app.config.get("JOBS_BACKEND") != "rq":  # with "rq", one `flask --app wsgi jobs worker` runs them
        start_retry_loop(app)
