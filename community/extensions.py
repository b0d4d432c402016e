"""Flask extensions, created unbound here and bound to the app in `create_app` (the usual factory idiom)."""
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

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
