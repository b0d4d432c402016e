"""Flask extensions, created unbound here and bound to the app in `create_app` (the usual factory idiom), and the
small helpers every package shares: the clock (`utcnow`), its JSON form (`iso`), the row-id check (`is_row_id`)
and the column that names a member (`member_ref`)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
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

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True, compare_type=True)
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
