"""`flask db upgrade` on empty databases builds the whole schema and day-one data, and the migrations match the
models exactly (alembic's autogenerate comparison finds nothing to add)."""
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from community import create_app
from community.extensions import db
from community.forum.defaults import DEFAULT_BOARDS
from tests.conftest import BASE_CONFIG, PG_ADMIN_URL, unavailable


def _not_search_index(name, type_, parent_names) -> bool:
    return not (name or "").startswith(("search_posts", "ix_search_"))


def _upgrade_and_check(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, (result.output, result.exception)
    with app.app_context():
        from community.forum.models import Board
        from moderation.resources.models import Resource

        # The search index lives outside the models: SQLite's FTS5 table (and its shadow tables), PostgreSQL's
        # expression indexes (community/search/services.py).
        tables = {t for t in inspect(db.engine).get_table_names() if not t.startswith("search_posts")}
        assert set(db.metadata.tables) | {"alembic_version"} == tables

        boards = db.session.scalars(select(Board).order_by(Board.position)).all()
        assert len(boards) == 6
        assert [(b.slug, b.name) for b in boards] == [(slug, name) for slug, name, _ in DEFAULT_BOARDS]

        resources = db.session.scalars(select(Resource)).all()
        phones = {(r.country, r.kind, r.phone) for r in resources}
        assert ("US", "phone", "988") in phones
        assert ("GB", "phone", "116 123") in phones
        emergency = {r.country: {r.phone, r.alt_phone} for r in resources if r.kind == "emergency"}
        assert "911" in emergency["US"] and "999" in emergency["GB"] and "112" in emergency["GB"]
        assert any(r.country == "*" for r in resources)  # international services

        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_name": _not_search_index})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff

        # Running it again is a no-op, not an error.
        again = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert again.exit_code == 0, again.output
        assert db.session.scalar(select(db.func.count(Board.id))) == 6
        db.session.remove()
        db.engine.dispose()


def test_upgrade_empty_sqlite_file(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    assert not path.exists()
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{path}"}, instance_path=str(tmp_path / "inst"))
    _upgrade_and_check(app)
    assert path.exists()


def test_upgrade_empty_postgresql_database(tmp_path):
    try:
        import psycopg
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", f"cannot connect to {PG_ADMIN_URL}: {exc}")
    name = f"haven_migr_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        app = create_app({**BASE_CONFIG, "DATABASE_URL": url}, instance_path=str(tmp_path / "inst"))
        _upgrade_and_check(app)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
