"""Haven: a moderated, anonymous peer-support community. `create_app` builds the Flask app."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from community.async_mode import socketio_async_mode
from community.config import from_environment
from community.extensions import csrf, db, limiter, login_manager, migrate, socketio
from community.socket_limits import UnauthenticatedConnections, session_checker

ROOT = Path(__file__).resolve().parent.parent


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookie: HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


@event.listens_for(Session, "before_flush")
def _strip_nul_before_writing(session, flush_context, instances):
    """PostgreSQL refuses NUL (U+0000) in text and JSON, which would turn a stray NUL in any field into a 500. No real
    text needs one, so it is dropped from every text and JSON value on its way into the database (services that
    validate input already refuse or strip it; this is the net under all of them, and SQLite behaves the same)."""
    for obj in list(session.new) + list(session.dirty):
        for attr in sa_inspect(obj).mapper.column_attrs:
            value = obj.__dict__.get(attr.key)
            if isinstance(value, (str, dict, list)):
                cleaned = _without_nul(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite: WAL so readers never block the writer, foreign keys enforced, and a busy wait instead of "locked".
    # synchronous=NORMAL, the usual setting with WAL: a commit appends to the WAL without waiting for the disk (the
    # WAL is synced at checkpoints), so it stays committed if the app crashes or is killed; only a power cut or an
    # OS crash can lose the last commits, never corrupt the database. FULL (the default) synced every commit, a few
    # milliseconds during which the write lock was held and every other writer waited.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (0600) before SQLite makes it with the umask's
    default; its -wal and -shm files take the same mode. An existing file is left as it is (the doctor warns)."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return
    path = Path(url[len("sqlite:///"):])
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        logging.getLogger(__name__).warning("could not create %s with mode 600", path)


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None, JSON_SORT_KEYS=False,
    )
    if config:
        if "DATABASE_URL" in config:
            from community.config import normalise_database_url
            config = {**config, "SQLALCHEMY_DATABASE_URI": normalise_database_url(config["DATABASE_URL"])}
        app.config.update(config)
    app.session_interface = _SessionInterface()
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    from community import db_pool
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if "SQLALCHEMY_ENGINE_OPTIONS" not in app.config:
        # Connections rolled back only when a transaction is open on them, and pinged only after sitting unused
        # (community/db_pool.py), instead of a ping and a second rollback around every request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = db_pool.engine_options(
            url, {"connect_args": {"timeout": 15}} if url.startswith("sqlite") else {"pool_pre_ping": True})
        app.extensions["haven_db_pool"] = True
    if app.config.get("TRUST_PROXY"):
        # Only when configured: otherwise a client could forge X-Forwarded-For to dodge rate limits.
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = int(app.config["TRUST_PROXY"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    logging.basicConfig(level=logging.INFO)
    from community.privacy import DropClientAddress
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DropClientAddress())

    _init_extensions(app)
    _register_blueprints(app)
    _register_content_adapters()

    from community import cli, page_cache, pages, realtime, web
    from community.members.services import member_for_token
    web.register_token_loader(member_for_token)
    realtime.subscribe()  # moderation's signals become live events
    from community.notifications import services as notifications
    from moderation import signals
    signals.staff_message_sent.connect(notifications.staff_message_sent)  # a moderator's message joins the list
    pages.init_app(app)
    page_cache.install_hit_lane(app)  # signed-in kept thread pages one at a time (community/page_cache.py)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    if app.extensions.pop("haven_db_pool", False):
        from community import db_pool
        with app.app_context():
            db_pool.install(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    # Socket.IO handlers are imported before init_app so they are registered on the server it builds.
    import community.sockets  # noqa: F401
    import community.chat.events  # noqa: F401
    import functools

    from community import live_connections
    from community.members import blocks
    origins = [app.config["SITE_URL"].rstrip("/")] if app.config.get("SITE_URL") else None
    channel = app.config.get("SOCKETIO_CHANNEL", "flask-socketio")
    if app.config.get("REDIS_URL"):
        manager = live_connections.RedisManager(app.config["REDIS_URL"], channel=channel)
    else:
        manager = live_connections.LocalManager()
    manager.staff_checker = functools.partial(community.sockets.still_staff, app)
    manager.filter_loader = functools.partial(blocks.live_filters, app)
    socketio.init_app(app, async_mode=socketio_async_mode(), client_manager=manager,
                      cors_allowed_origins=origins, manage_session=False,
                      max_http_buffer_size=64 * 1024)
    limits = UnauthenticatedConnections(
        per_client=app.config["SOCKET_UNAUTHENTICATED_PER_CLIENT"], total=app.config["SOCKET_UNAUTHENTICATED_MAX"],
        timeout=app.config["SOCKET_AUTH_TIMEOUT"], trusted_proxies=int(app.config.get("TRUST_PROXY") or 0),
        hmac_key=app.config["PRIVACY_HMAC_KEY"], signed_in=session_checker(app))
    limits.install(socketio.server)
    live_connections.install_shared_frames(socketio.server)  # a chat delivery's frame made once (live_connections)
    app.extensions["socket_limits"] = limits


def _register_blueprints(app: Flask) -> None:
    # Every model module, so Alembic's autogenerate and db.create_all see the whole schema.
    import community.chat.models  # noqa: F401
    import community.forum.models  # noqa: F401
    import community.members.models  # noqa: F401
    import moderation.models  # noqa: F401
    import moderation.resources.models  # noqa: F401
    import community.notifications.models  # noqa: F401
    from community.admin import api as admin_api
    from community.admin import views as admin_views
    from community.chat import api as chat_api
    from community.chat import views as chat_views
    from community.forum import api as forum_api
    from community.forum import views as forum_views
    from community.members import api as members_api
    from community.members import views as members_views
    from community.notifications import api as notifications_api
    from community.notifications import views as notifications_views
    from moderation.queue import api as queue_api
    from moderation.queue import views as queue_views
    from moderation.resources import api as resources_api
    from community.search import api as search_api
    from community.search import views as search_views
    from community.transparency import api as transparency_api
    from community.transparency import views as transparency_views
    for module in (members_views, forum_views, queue_views, admin_views, chat_views, search_views, notifications_views,
                   transparency_views):
        app.register_blueprint(module.bp)
    for module in (members_api, forum_api, queue_api, resources_api, chat_api, admin_api, search_api,
                   notifications_api, transparency_api):
        csrf.exempt(module.bp)  # token-authenticated: no cookie, so no CSRF risk
        app.register_blueprint(module.bp)


def _register_content_adapters() -> None:
    from community.forum.moderation_adapter import PostContent, ReportContent
    from moderation.queue.content import register
    register(PostContent())
    register(ReportContent())
    from community.chat.moderation_adapter import MessageContent
    register(MessageContent())
    from moderation.notices import MemberContent
    register(MemberContent())
    from community.members.moderation_adapter import AboutContent, MemberDirectory
    register(AboutContent())
    from moderation import authors
    authors.register(MemberDirectory())
    from moderation.queue.messages import StaffMessageContent
    register(StaffMessageContent())
