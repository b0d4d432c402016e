"""revision verdicts: post_revisions.verdict, what the screen said about each earlier version of a post

Revision ID: 0007
Revises: 0004

"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("post_revisions") as batch:
        batch.add_column(sa.Column("verdict", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("post_revisions") as batch:
        batch.drop_column("verdict")
