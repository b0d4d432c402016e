"""Flask-Migrate (and Alembic) load only when something migrates (community/extensions.py `DeferredMigrate`); the
app behaves as with Flask-Migrate loaded at start-up: `flask db` is its group, app.extensions["migrate"] its config."""
import os
import subprocess
import sys
from pathlib import Path

from community import ROOT

PYTHON = sys.executable


def test_creating_the_app_does_not_import_alembic(tmp_path):
    code = ("import sys, wsgi; print(sorted(m for m in ('alembic', 'flask_migrate') if m in sys.modules))")
    env = {**os.environ, "HAVEN_BACKGROUND_JOBS": "0", "HAVEN_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    out = subprocess.run([PYTHON, "-c", code], cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_migrate_config_is_flask_migrates_on_first_use(app):
    import flask_migrate

    config = app.extensions["migrate"]
    assert Path(config.directory) == ROOT / "migrations"
    assert config.configure_args == {"compare_type": True, "render_as_batch": True}
    assert isinstance(app.extensions["migrate"], flask_migrate._MigrateConfig)  # the stand-in has been replaced
    assert app.extensions["migrate"].db is config.db


def test_flask_db_is_flask_migrates_group(app):
    from flask_migrate.cli import db as db_group

    result = app.test_cli_runner().invoke(args=["--help"])
    assert result.exit_code == 0 and "Perform database migrations." in result.output
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    for name in ("upgrade", "downgrade", "current", "history"):
        assert name in db_group.commands and f"  {name} " in result.output
    assert app.cli.commands["db"] is db_group
    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
