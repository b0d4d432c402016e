"""verified professionals and moderators' context notes: members.verified_label / verified_at (what Haven's admins
checked, out of band, shown beside the handle) and posts.context_note / context_note_at (a short note from the
moderators shown under a post to everyone)

Revision ID: 0019
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): on SQLite a copy would rebuild members/posts, which other rows reference
    # (and lose the search triggers on posts).
    op.add_column("members", sa.Column("verified_label", sa.String(length=80), nullable=True))
    op.add_column("members", sa.Column("verified_at", sa.DateTime(), nullable=True))
    op.add_column("posts", sa.Column("context_note", sa.Text(), nullable=True))
    op.add_column("posts", sa.Column("context_note_at", sa.DateTime(), nullable=True))


def _drop_columns(table: str, *columns: str) -> None:
    """SQLite drops a plain column in place (3.35+): a batch copy would DROP TABLE members/posts, which rows in
    other tables still reference (foreign keys are on), and fail."""
    if op.get_bind().dialect.name == "sqlite":
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_column(column)


def downgrade():
    _drop_columns("posts", "context_note_at", "context_note")
    _drop_columns("members", "verified_at", "verified_label")
