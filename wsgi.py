"""WSGI entry point: `flask --app wsgi run`, or gunicorn `wsgi:app` (see README, "Running in production")."""
from community import create_app

app = create_app()
