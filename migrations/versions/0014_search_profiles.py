"""search and profiles: a full-text index over posts (SQLite FTS5 external-content table kept by triggers, or
PostgreSQL GIN expression indexes), and the member's profile and display settings (about text with its screening
state, whether their post list shows on their profile, light/dark theme)

Revision ID: 0014
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None

# SQLite: the FTS5 table reads its text from a view (title of an opening post, and the body), so nothing is stored
# twice; the triggers tell it about every change ("delete" with the old values, then the new row).
_SQLITE_UP = [
    """CREATE VIEW search_documents AS
       SELECT posts.id AS rowid, CASE WHEN posts.is_opening THEN threads.title ELSE '' END AS title, posts.body AS body
       FROM posts JOIN threads ON threads.id = posts.thread_id""",
    """CREATE VIRTUAL TABLE search_posts USING fts5(title, body, content='search_documents', content_rowid='rowid',
       tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER search_posts_insert AFTER INSERT ON posts BEGIN
         INSERT INTO search_posts(rowid, title, body) VALUES (new.id,
           CASE WHEN new.is_opening THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END, new.body);
       END""",
    """CREATE TRIGGER search_posts_delete AFTER DELETE ON posts BEGIN
         INSERT INTO search_posts(search_posts, rowid, title, body) VALUES ('delete', old.id,
           CASE WHEN old.is_opening THEN (SELECT title FROM threads WHERE id = old.thread_id) ELSE '' END, old.body);
       END""",
    """CREATE TRIGGER search_posts_update AFTER UPDATE OF body, is_opening, thread_id ON posts BEGIN
         INSERT INTO search_posts(search_posts, rowid, title, body) VALUES ('delete', old.id,
           CASE WHEN old.is_opening THEN (SELECT title FROM threads WHERE id = old.thread_id) ELSE '' END, old.body);
         INSERT INTO search_posts(rowid, title, body) VALUES (new.id,
           CASE WHEN new.is_opening THEN (SELECT title FROM threads WHERE id = new.thread_id) ELSE '' END, new.body);
       END""",
    """CREATE TRIGGER search_threads_title AFTER UPDATE OF title ON threads BEGIN
         INSERT INTO search_posts(search_posts, rowid, title, body)
           SELECT 'delete', posts.id, old.title, posts.body FROM posts WHERE posts.thread_id = old.id AND posts.is_opening;
         INSERT INTO search_posts(rowid, title, body)
           SELECT posts.id, new.title, posts.body FROM posts WHERE posts.thread_id = new.id AND posts.is_opening;
       END""",
    "INSERT INTO search_posts(search_posts) VALUES ('rebuild')",
]
_SQLITE_DOWN = ["DROP TRIGGER IF EXISTS search_threads_title", "DROP TRIGGER IF EXISTS search_posts_update",
                "DROP TRIGGER IF EXISTS search_posts_delete", "DROP TRIGGER IF EXISTS search_posts_insert",
                "DROP TABLE IF EXISTS search_posts", "DROP VIEW IF EXISTS search_documents"]
# PostgreSQL: expression indexes; community/search/services.py uses exactly these expressions.
_PG_UP = ["CREATE INDEX ix_search_posts_body ON posts USING gin (to_tsvector('english'::regconfig, body))",
          "CREATE INDEX ix_search_threads_title ON threads USING gin (to_tsvector('english'::regconfig, title))"]
_PG_DOWN = ["DROP INDEX IF EXISTS ix_search_threads_title", "DROP INDEX IF EXISTS ix_search_posts_body"]


def upgrade():
    # Plain ADD COLUMN (no batch copy): on SQLite a copy would DROP TABLE members, which other rows reference.
    op.add_column("members", sa.Column("about", sa.Text(), nullable=True))
    op.add_column("members", sa.Column("about_status", sa.String(length=16), nullable=True))
    op.add_column("members", sa.Column("about_hold_reason", sa.String(length=32), nullable=True))
    op.add_column("members", sa.Column("about_verdict", sa.JSON(), nullable=True))
    op.add_column("members", sa.Column("show_posts", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("members", sa.Column("theme", sa.String(length=8), server_default="system", nullable=False))
    statements = _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _PG_UP
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _PG_DOWN
    for statement in statements:
        op.execute(statement)
    names = ("theme", "show_posts", "about_verdict", "about_hold_reason", "about_status", "about")
    if op.get_bind().dialect.name == "sqlite":  # in place: a batch copy of members fails while rows reference it
        for name in names:
            op.execute(f"ALTER TABLE members DROP COLUMN {name}")
        return
    with op.batch_alter_table("members", schema=None) as batch_op:
        for name in names:
            batch_op.drop_column(name)
