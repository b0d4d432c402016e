"""response times on queue items (opened, first seen, first claimed) and canned replies for staff messages

Revision ID: 0012
Revises: 0011
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_seen_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_claimed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_queue_items_opened_at"), ["opened_at"], unique=False)
    # Items from before: they opened when they were made (a re-opening before now is not known).
    op.execute("UPDATE queue_items SET opened_at = created_at WHERE opened_at IS NULL")

    replies = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
    )
    from moderation.queue.canned_defaults import DEFAULT_CANNED_REPLIES
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(replies, [{"title": title, "body": body, "position": i, "created_at": now, "updated_at": now}
                             for i, (title, body) in enumerate(DEFAULT_CANNED_REPLIES)])


def downgrade():
    op.drop_table("canned_replies")
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_items_opened_at"))
        batch_op.drop_column("first_claimed_at")
        batch_op.drop_column("first_seen_at")
        batch_op.drop_column("opened_at")
