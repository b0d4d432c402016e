"""Shared fixtures: a real app on a real database (SQLite by default, PostgreSQL where asked), real clients.

- `app`        a fresh app on its own SQLite file, schema made by the real migrations (copied from a template
               database migrated once per session), default boards and crisis directory included.
- `pg_app`     the same on a throw-away PostgreSQL database (created for this run, dropped at the end). Skips with
               a reason when PostgreSQL is unreachable, except under CI=true where it must run.
- `any_app`    parametrised over both.
- `scores`     controls what the (fake) classifiers return, per text, so every policy branch can be tested.
Screening in most tests uses the phrase-lexicon backend or the fake; the trained models have their own tests.
"""
from __future__ import annotations

import os
import shutil
import uuid

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Redis pub/sub is global to the server: a channel of this run's own keeps other runs' broadcasts out (server
# processes the tests start inherit it). The suite runs in pytest-xdist workers (pytest.ini), which inherit the
# controller's environment, so each worker names its own channel.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER or "SOCKETIO_CHANNEL" not in os.environ:
    os.environ["SOCKETIO_CHANNEL"] = f"haven-test-{uuid.uuid4().hex[:12]}{_WORKER}"

import pytest  # noqa: E402

from community import create_app  # noqa: E402
from community.extensions import db  # noqa: E402
from moderation.classifiers.base import SELF_HARM, TOXICITY, Scores  # noqa: E402
from moderation.classifiers.registry import set_backends  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PRIVACY_HMAC_KEY": "test-hmac",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
    "MODERATION_TOXICITY_BACKEND": "lexicon",
    "MODERATION_SELF_HARM_BACKEND": "lexicon",
    "REDIS_URL": None,
    "SITE_URL": None,
}


def unavailable(what: str, reason: str):
    """Skip with a reason on a developer machine; fail under CI=true, where the service must be there."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but {reason}")
    pytest.skip(f"{what} not available: {reason}")


class FakeClassifier:
    """A controllable backend: `rules` maps a substring to Scores (or an exception to raise)."""

    def __init__(self, kind: str):
        self.kind, self.name, self.version = kind, "fake", "test"
        self.rules: dict[str, object] = {}
        self.default = Scores(score=0.01, labels={"concern": 0.01, "ideation": 0.01, "intent": 0.0}
                              if kind == SELF_HARM else {"insult": 0.01, "threat": 0.01})
        self.calls = 0

    def score(self, texts):
        self.calls += 1
        out = []
        for text in texts:
            chosen = self.default
            for needle, result in self.rules.items():
                if needle in text:
                    chosen = result
                    break
            if isinstance(chosen, BaseException):
                raise chosen
            if callable(chosen):
                chosen = chosen()
            out.append(chosen)
        return out


class ScoreControl:
    def __init__(self, app):
        self.toxicity = FakeClassifier(TOXICITY)
        self.self_harm = FakeClassifier(SELF_HARM)
        set_backends(app, self.toxicity, self.self_harm)

    def toxic(self, needle: str, score: float, **labels):
        self.toxicity.rules[needle] = Scores(score=score, labels=labels or {"insult": score})

    def self_harm_tier(self, needle: str, tier: str):
        levels = {"none": (0.05, 0.05, 0.0), "concern": (0.9, 0.1, 0.0), "ideation": (0.95, 0.9, 0.1),
                  "intent": (0.99, 0.97, 0.9)}[tier]
        concern, ideation, intent = levels
        self.self_harm.rules[needle] = Scores(score=ideation, labels={"concern": concern, "ideation": ideation,
                                                                      "intent": intent}, reasons=[f"test:{tier}"])


# --- no network ----------------------------------------------------------------------------------------------------

_LOOPBACK_PREFIXES = ("127.", "::1", "localhost", "0:0:0:0:0:0:0:1")


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """The suite must never reach the internet (models load offline): any non-loopback connection fails the test
    that made it. Unix sockets (e.g. PostgreSQL's) and loopback TCP are allowed."""
    import socket

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0])
            if not host.startswith(_LOOPBACK_PREFIXES):
                raise OSError(f"test tried to reach the network: {address!r}")

    def guarded_connect(sock, address):
        _check(sock, address)
        return real_connect(sock, address)

    def guarded_connect_ex(sock, address):
        _check(sock, address)
        return real_connect_ex(sock, address)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    yield
    socket.socket.connect = real_connect
    socket.socket.connect_ex = real_connect_ex


# --- databases ---------------------------------------------------------------------------------------------------

def _migrate(app):
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{path}"},
                     instance_path=str(tmp_path_factory.mktemp("instance")))
    _migrate(app)
    with app.app_context():
        db.engine.dispose()
    return path


def _make_app(config: dict, instance_path: str):
    app = create_app({**BASE_CONFIG, **config}, instance_path=instance_path)

    @app.before_request
    def _forget_cached_member():
        # Tests hold one app context open, and Flask reuses it for every request, so Flask-Login's per-context
        # cache of the signed-in member would leak from one client to the next. Each request starts clean.
        from flask import g
        g.pop("_login_user", None)

    return app


@pytest.fixture
def app_factory(sqlite_template, tmp_path):
    """Build extra apps on the same fresh SQLite database (e.g. with CSRF or rate limits on)."""
    path = tmp_path / "haven.sqlite3"
    shutil.copy(sqlite_template, path)
    made = []

    def build(**overrides):
        app = _make_app({"DATABASE_URL": f"sqlite:///{path}", **overrides}, str(tmp_path / "instance"))
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture(scope="session")
def pg_database():
    """A throw-away PostgreSQL database for this test run, migrated once, dropped at the end."""
    try:
        import psycopg
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        return None, f"cannot connect to {PG_ADMIN_URL}: {exc}"
    name = f"haven_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url, None
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


_pg_migrated = set()
KEEP_TABLES = {"boards", "chat_rooms", "alembic_version"}  # day-one data from the migration (resources are re-seeded below)


def _reseed_resources():
    """The crisis directory as `db upgrade` seeds it: tests edit it, and truncating members cascades to it."""
    from moderation.resources.defaults import DEFAULT_RESOURCES
    from moderation.resources.models import Resource
    for entry in DEFAULT_RESOURCES:
        db.session.add(Resource(**{"languages": "en", "audiences": "everyone", "description": "", **entry}))
    # The canned replies migration 0012 seeds (tests edit them too).
    from moderation.models import CannedReply
    from moderation.queue.canned_defaults import DEFAULT_CANNED_REPLIES
    for i, (title, body) in enumerate(DEFAULT_CANNED_REPLIES):
        db.session.add(CannedReply(title=title, body=body, position=i))


@pytest.fixture
def pg_app(pg_database, tmp_path):
    url, error = pg_database
    if url is None:
        unavailable("PostgreSQL", error)
    app = _make_app({"DATABASE_URL": url}, str(tmp_path / "instance"))
    if url not in _pg_migrated:
        _migrate(app)
        _pg_migrated.add(url)
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
        db.session.execute(db.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        _reseed_resources()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request):
    """Run the test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def scores(app):
    return ScoreControl(app)


# --- people ------------------------------------------------------------------------------------------------------

PASSWORD = "a-good-password"


@pytest.fixture
def make_member():
    """make_member("handle", role="member", region=None) -> Member (in the current app context)."""
    from community.members.services import create_member

    def make(handle=None, role="member", region=None):
        handle = handle or f"m-{uuid.uuid4().hex[:8]}"
        member, _code = create_member(handle, PASSWORD, region=region, role=role, allow_reserved=True)
        return member
    return make


@pytest.fixture
def token_for():
    from community.members.services import issue_token

    def make(member) -> dict:
        return {"Authorization": f"Bearer {issue_token(member)}"}
    return make


def login(client, handle, password=PASSWORD):
    response = client.post("/login", data={"handle": handle, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture
def ctl(any_app):
    """Controllable classifiers on `any_app` (the shared `scores` fixture is bound to the SQLite app only)."""
    return ScoreControl(any_app)


@pytest.fixture
def redis_url():
    """The test Redis (database 13), or a skip with the reason (a failure under CI=true)."""
    from tests.support import REDIS
    try:
        import redis
        redis.Redis.from_url(REDIS, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", f"cannot reach {REDIS}: {exc}")
    return REDIS


@pytest.fixture
def connect(app, token_for):
    """connect(member, room=None, **kwargs) -> a Socket.IO test client signed in with the member's token (joined to
    `room` when given); every client is disconnected at the end."""
    from community.extensions import socketio
    made = []

    def make(member, room=None, **kwargs):
        token = token_for(member)["Authorization"].split(" ", 1)[1]
        client = socketio.test_client(app, auth={"token": token}, **kwargs)
        made.append(client)
        if room is not None:
            assert client.is_connected()
            client.emit("join", {"room": room})
            client.get_received()
        return client
    yield make
    for client in made:
        if client.is_connected():
            client.disconnect()
