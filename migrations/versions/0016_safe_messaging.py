"""safe messaging: a post's original text when method details are masked, and protected threads' reply modes

Revision ID: 0016
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases (SQLite adds columns in place; a batch copy would drop `threads`, which
    # every post points at).
    # The text as written when `body` (what others read) has method details masked; staff only.
    op.add_column("posts", sa.Column("original_body", sa.Text(), nullable=True))
    op.add_column("threads", sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("threads", sa.Column("reply_mode", sa.String(length=8), nullable=False, server_default="open"))


def downgrade():
    # SQLite (3.35 and later) drops a column in place: a batch copy of `threads` would have to drop the table that
    # every post points at, which its foreign keys refuse while posts exist.
    for table, column in (("threads", "reply_mode"), ("threads", "protected"), ("posts", "original_body")):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
