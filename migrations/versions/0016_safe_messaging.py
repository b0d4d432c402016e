"""safe messaging: a post's original text when method details are masked, and protected threads' reply modes

Revision ID: 0016
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        # The text as written when `body` (what others read) has method details masked; staff only.
        batch_op.add_column(sa.Column("original_body", sa.Text(), nullable=True))
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protected", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("reply_mode", sa.String(length=8), nullable=False, server_default="open"))


def downgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_column("reply_mode")
        batch_op.drop_column("protected")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("original_body")
