"""Flask extensions, created unbound here and bound to the app in `create_app` (the usual factory idiom), and the
small helpers every package shares: the clock (`utcnow`), its JSON form (`iso`), the row-id check (`is_row_id`)
and the column that names a member (`member_ref`)."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

import click
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import declared_attr

from community.errors import NotFound
from community.privacy import client_fingerprint

# A naming convention so Alembic can name (and later drop) constraints the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class DeferredMigrate:
    """Flask-Migrate, imported (and Alembic with it: ~0.1 s of CPU) only when something migrates: a `flask db`
    command, the doctor's schema check, code calling `flask_migrate.upgrade()`. A server and every other command
    never do, and paid for the import at every start-up. `init_app` puts two stand-ins where Migrate.init_app puts
    its objects; the first use of either runs Flask-Migrate's own `Migrate(...).init_app`, which replaces both, so
    from then on everything is Flask-Migrate's as before:

    * app.extensions["migrate"]: reads as Flask-Migrate's config object (the first attribute read makes it);
    * the `db` command group: `flask db ...` (help included) is Flask-Migrate's group, looked up when it runs.
    """

    def __init__(self, **options):
        self.options = options

    def init_app(self, app, db, directory: str) -> None:
        lock = threading.Lock()

        def real():
            with lock:
                config = app.extensions.get("migrate")
                if isinstance(config, _DeferredConfig):
                    # Alembic logs a "setup plugin" line per plugin at import; imported before create_app set up
                    # logging (as it was), those lines were never shown, so they are not now either.
                    plugins = logging.getLogger("alembic.runtime.plugins")
                    level = plugins.level
                    plugins.setLevel(logging.WARNING)
                    try:
                        from flask_migrate import Migrate
                    finally:
                        plugins.setLevel(level)
                    Migrate(**self.options).init_app(app, db, directory=directory)
                    config = app.extensions["migrate"]
                return config

        def real_group():
            real()  # Migrate.init_app has put its `db` group in our stand-in's place
            return app.cli.commands["db"]

        app.extensions["migrate"] = _DeferredConfig(real)
        app.cli.add_command(_DeferredGroup("db", real_group))


class _DeferredConfig:
    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):  # only for what this object does not have: every attribute of the real one
        return getattr(self._real(), name)


class _DeferredGroup(click.Command):
    """Stands for Flask-Migrate's `db` group in `flask --help`; running `flask db ...` runs the real group."""

    def __init__(self, name: str, real):
        super().__init__(name, help="Perform database migrations.")  # Flask-Migrate's own line
        self._real = real

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = DeferredMigrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are keyed by a keyed hash of the client address, never the raw address (see community/privacy.py).
limiter = Limiter(key_func=client_fingerprint)
socketio = SocketIO()

# Database ids are 32-bit on every backend: an id from a URL or a JSON body outside this range finds nothing (and must
# never reach PostgreSQL, which refuses an out-of-range integer with an error instead of an empty result).
MAX_ROW_ID = 2**31 - 1


class NamedPlace:
    """A place members go to, a forum board or a chat room: its id, the short name in its address (slug), its name
    and a line about it."""
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name = db.Column(db.String(80), nullable=False)
    description = db.Column(db.String(300), nullable=False, default="")


def member_ref(*, ondelete: str | None = None, **column) -> db.Column:
    """A column naming a member (`members.id`); `ondelete` and the other column options as SQLAlchemy takes them."""
    return db.Column(db.Integer, db.ForeignKey("members.id", ondelete=ondelete), **column)


class Authored:
    """A row a member wrote (a thread, a post, a chat message): its author. Named explicitly as the foreign key, since
    such rows name other members too (who deleted or removed them)."""

    @declared_attr
    def author_id(cls):
        return member_ref(nullable=False, index=True)

    @declared_attr
    def author(cls):
        return db.relationship("Member", foreign_keys=f"{cls.__name__}.author_id")


def utcnow() -> datetime:
    """Naive UTC throughout: SQLite has no time zones, and one convention avoids comparing aware with naive."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as JSON shows it: ISO 8601 with a Z, or None."""
    return value.isoformat() + "Z" if value is not None else None


def commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds. For a write whose answer shows only rows it has just read
    or written in its transaction (a new post and its author): after a plain commit every one of them is read
    again from the database to build the answer, values the request already has. Rows written past the ORM (a
    bulk statement) are never kept: only use it where the transaction writes through the ORM alone."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def is_row_id(value) -> bool:
    """True for an int (not a bool) that could be a row's id."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ROW_ID


def get_row(model, value):
    """The `model` row with this id, or None (also for an id no row can have, which never reaches the database)."""
    return db.session.get(model, value) if is_row_id(value) else None


def existing_row(model, value, code: str, message: str):
    """The `model` row with this id, else NotFound(code, message)."""
    row = get_row(model, value)
    if row is None:
        raise NotFound(code, message)
    return row


def in_batches(query, model, *, size: int = 500):
    """Walk the rows of `query` (a select of `model`) in id order, `size` at a time, committing after each batch:
    a long run (re-rendering stored HTML) holds no lock for long and can be stopped and started again. Yields each
    batch; the caller changes its rows."""
    last = 0
    while True:
        batch = list(db.session.scalars(query.where(model.id > last).order_by(model.id).limit(size)))
        if not batch:
            return
        yield batch
        db.session.commit()
        last = batch[-1].id
