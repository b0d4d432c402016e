"""verified professionals and moderators' context notes: members.verified_label / verified_at (what Haven's admins
checked, out of band, shown beside the handle) and posts.context_note / context_note_at (a short note from the
moderators shown under a post to everyone)

Revision ID: 0019
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_label", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("context_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("context_note_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("context_note_at")
        batch_op.drop_column("context_note")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("verified_at")
        batch_op.drop_column("verified_label")
