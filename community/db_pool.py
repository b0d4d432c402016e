"""How database connections go back to the pool and come out of it, without round trips that do nothing.

SQLAlchemy's defaults cost a signed-in page on PostgreSQL four round trips for its one query: a "ping" (SELECT 1)
when the connection leaves the pool, the query, the ROLLBACK that ends the session's transaction, and a second
ROLLBACK when the connection is handed back (the session has just rolled back, but the pool does not know it). Here:

- back in the pool: a connection is rolled back only when the driver says a transaction is still open on it (read
  from the driver's own state, no round trip), so the second ROLLBACK goes and an open transaction is still never
  handed to the next request;
- out of the pool (PostgreSQL): the ping runs when the connection has sat unused for PING_IDLE_SECONDS or more, the
  time a server restart or an idle-connection timeout can have closed it; one given back a moment ago goes straight
  to work. A connection that fails the ping is replaced and the rest of the pool with it, as SQLAlchemy's own
  pre-ping does.
"""
from __future__ import annotations

import logging
import time

from sqlalchemy import event, exc

log = logging.getLogger(__name__)

PING_IDLE_SECONDS = 1.0
_RETURNED = "haven_returned_at"  # on the pool's record of each connection: when it was last given back


def engine_options(url: str, options: dict) -> dict:
    """The engine options create_app uses by default, with the pool's own reset and ping turned off: install()
    puts the cheaper ones in their place."""
    options = {**options, "pool_reset_on_return": None}
    if not url.startswith("sqlite"):
        options["pool_pre_ping"] = False
    return options


def install(engine) -> None:
    """Listen on this engine's pool (create_app, when it chose the options above)."""
    event.listen(engine, "reset", _reset)
    event.listen(engine, "checkin", _returned)
    if engine.dialect.name != "sqlite":
        dialect = engine.dialect
        event.listen(engine, "checkout", lambda dbapi_connection, record, proxy: _ping_if_idle(
            dialect, dbapi_connection, record))


def _in_transaction(dbapi_connection) -> bool:
    """What the driver itself knows: sqlite3's `in_transaction`, psycopg's transaction status (read by its name, so
    a SQLite deployment never imports psycopg: 8 MiB). True when unsure."""
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return bool(dbapi_connection.in_transaction)
    info = getattr(dbapi_connection, "info", None)  # psycopg 3
    status = getattr(info, "transaction_status", None)
    return getattr(status, "name", None) != "IDLE"  # another driver, or not sure: roll back


def _reset(dbapi_connection, connection_record, reset_state) -> None:
    if reset_state.terminate_only or reset_state.transaction_was_reset:
        return
    if _in_transaction(dbapi_connection):
        dbapi_connection.rollback()


def _returned(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        connection_record.info[_RETURNED] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, connection_record) -> None:
    returned = connection_record.info.get(_RETURNED)
    if returned is None or time.monotonic() - returned < PING_IDLE_SECONDS:
        return  # new (the record forgets when it reconnects), or given back a moment ago after working: no ping
    try:
        dialect.do_ping(dbapi_connection)  # what SQLAlchemy's pre-ping sends
    except Exception as error:  # noqa: BLE001 - any failure: this connection (and the pool's others) are stale
        log.info("database connection failed its ping; reconnecting (%s)", error)
        raised = exc.DisconnectionError(str(error))
        raised.invalidate_pool = True
        raise raised from error
