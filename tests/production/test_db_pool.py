"""The connection pool (community/db_pool.py): a connection handed back with a transaction open is rolled back, one
handed back clean is not rolled back again, and on PostgreSQL a connection that sat unused is pinged (and replaced,
with the rest of the pool, when its server side is gone) while one given back a moment ago is not."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from community import db_pool
from community.extensions import db
from tests.conftest import login


def _calls(monkeypatch, dialect, names=("do_rollback", "do_ping")):
    seen = []
    for name in names:
        original = getattr(dialect, name)

        def wrapped(*args, _original=original, _name=name, **kwargs):
            seen.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(dialect, name, wrapped)
    return seen


def test_an_open_transaction_never_reaches_the_next_user(any_app):
    db.session.remove()
    raw = db.engine.raw_connection()  # no Session, no Connection: only the pool's reset can end this transaction
    cursor = raw.cursor()
    cursor.execute("INSERT INTO boards (slug, name, description, position) VALUES ('left-open', 'x', '', 99)")
    cursor.close()
    raw.close()  # handed back with the INSERT neither committed nor rolled back
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM boards WHERE slug = 'left-open'")).scalar() == 0
    raw = db.engine.raw_connection()
    assert not db_pool._in_transaction(raw.dbapi_connection)
    raw.close()


def test_a_kept_signed_in_page_costs_its_query_and_one_rollback(any_app, make_member, monkeypatch):
    """Not a second ROLLBACK when the session's connection goes back to the pool, and no ping for a connection
    that was working a moment ago: the member-and-session query, then the session's own ROLLBACK."""
    from community.forum import services as forum
    reader = make_member("reader")
    thread, _post, _verdict = forum.create_thread(reader, forum.get_board("off-topic"), "A kept page", "hello")
    client = any_app.test_client()
    login(client, "reader")
    for _ in range(2):
        assert client.get(f"/t/{thread.id}").status_code == 200
    db.session.remove()
    seen = _calls(monkeypatch, db.engine.dialect, ("do_rollback", "do_ping", "do_execute"))
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200 and response.headers["X-Page-Cache"] == "hit"
    db.session.remove()  # the request's end, as the app context's teardown does outside tests
    assert seen == ["do_execute", "do_rollback"], seen


def test_an_idle_postgresql_connection_is_pinged_and_a_dead_one_replaced(pg_app, monkeypatch):
    db.session.remove()
    with db.engine.connect() as conn:
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    seen = _calls(monkeypatch, db.engine.dialect)
    # Given back a moment ago: straight to work.
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == backend
    assert "do_ping" not in seen
    # Unused for longer than PING_IDLE_SECONDS, and its server side gone meanwhile (a restart, an idle timeout).
    monkeypatch.setattr(db_pool, "PING_IDLE_SECONDS", 0.0)
    with psycopg.connect(str(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)),
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != backend  # a new connection, no error
    assert "do_ping" in seen


@pytest.mark.parametrize("url", ["sqlite:////tmp/x.sqlite3", "postgresql+psycopg://u@h/d"])
def test_the_default_options_turn_the_pools_own_reset_and_ping_off(url):
    options = db_pool.engine_options(url, {"pool_pre_ping": True})
    assert options["pool_reset_on_return"] is None
    assert options.get("pool_pre_ping") is (True if url.startswith("sqlite") else False)


def _prepared_on_server(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def test_a_postgresql_transaction_that_only_read_keeps_the_prepared_statements(pg_app):
    """psycopg forgets what it prepared at every ROLLBACK; a transaction that ran only SELECTs ends with a COMMIT
    instead, so a statement run often on a connection is parsed and planned once."""
    db.session.remove()
    for round_ in range(8):
        with db.engine.connect() as conn:  # each round ends its transaction on closing, as a request does
            assert conn.execute(text("SELECT count(*) FROM boards WHERE position >= :p"), {"p": round_}).scalar() >= 0
            prepared = _prepared_on_server(conn)
    assert prepared >= 1  # psycopg prepares a statement at its sixth run on the connection: kept across the rounds


@pytest.mark.parametrize("write", [
    "INSERT INTO boards (slug, name, description, position) VALUES ('not-kept', 'x', '', 99)",
    "WITH made AS (INSERT INTO boards (slug, name, description, position) VALUES ('not-kept', 'x', '', 99) "
    "RETURNING id) SELECT id FROM made",
])
def test_a_postgresql_transaction_that_wrote_is_still_rolled_back(pg_app, write):
    db.session.remove()
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text(write))
        conn.rollback()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM boards WHERE slug = 'not-kept'")).scalar() == 0
    db.session.execute(text(write))  # through the ORM session, ended by its own close
    db.session.remove()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM boards WHERE slug = 'not-kept'")).scalar() == 0


def test_a_failed_postgresql_transaction_is_rolled_back_and_the_connection_works(pg_app):
    db.session.remove()
    with db.engine.connect() as conn:
        with pytest.raises(Exception):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(text("SELECT 2")).scalar() == 2
