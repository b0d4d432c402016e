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
  pre-ping does;
- on PostgreSQL (psycopg), a transaction that ran nothing but SELECTs ends with a COMMIT rather than a ROLLBACK, so
  that psycopg keeps the statements it prepared (a ROLLBACK makes it forget them all), and an executemany INSERT is
  sent as INSERTs of many rows.
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
    if engine.dialect.driver == "psycopg":
        # An executemany INSERT (a reply's notification rows) as INSERTs of many rows each, as SQLAlchemy does for
        # psycopg2, instead of psycopg's one execution a row (each bound and run by the server on its own).
        engine.dialect.use_insertmanyvalues_wo_returning = True
        _end_reads_with_commit(engine)
    if engine.dialect.name != "sqlite":
        dialect = engine.dialect
        event.listen(engine, "checkout", lambda dbapi_connection, record, proxy: _ping_if_idle(
            dialect, dbapi_connection, record))


def _end_reads_with_commit(engine) -> None:
    """psycopg forgets every statement it has prepared on a connection at each ROLLBACK (and asks the server to
    deallocate them), and prepares a statement only after its fifth run between two of them. Each request ends its
    transaction with a ROLLBACK, so on PostgreSQL nothing was ever prepared: the server parsed and planned every
    statement of every request afresh. A transaction that ran nothing but SELECTs is ended with a COMMIT instead,
    which for it is the same thing (nothing to keep or undo, locks released the same way) and leaves the prepared
    statements in place; one that wrote anything, or failed, or ran any other statement, is still rolled back."""
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
        if executemany or statement.lstrip()[:6].upper() != "SELECT":
            _mark(cursor.connection, False)

    def do_rollback(connection) -> None:
        driver = _driver_connection(connection)
        # A connection never marked (a new one) is rolled back.
        only_read = getattr(driver, _ONLY_READ, False) and _status(driver) == "INTRANS"
        (commit if only_read else rollback)(connection)
        _mark(driver, True)

    def do_commit(connection) -> None:
        commit(connection)
        _mark(_driver_connection(connection), True)

    dialect.do_rollback, dialect.do_commit = do_rollback, do_commit


_ONLY_READ = "haven_only_read"  # on a psycopg connection: its transaction has run nothing but SELECTs so far


def _driver_connection(connection):
    """psycopg's own connection, under the pool's wrapper that the dialect is handed."""
    return getattr(connection, "dbapi_connection", None) or connection


def _status(dbapi_connection) -> str | None:
    """psycopg's transaction status (IDLE, INTRANS, INERROR ...), from the driver's own state: no round trip."""
    return getattr(getattr(getattr(dbapi_connection, "info", None), "transaction_status", None), "name", None)


def _mark(dbapi_connection, only_read: bool) -> None:
    try:
        setattr(dbapi_connection, _ONLY_READ, only_read)
    except AttributeError:  # not a psycopg connection after all
        pass


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
