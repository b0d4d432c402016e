"""staff notes: moderators' internal notes on queue items and about members, and hand-off notes

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], name=op.f("fk_staff_notes_item_id_queue_items"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_staff_notes_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["members.id"], name=op.f("fk_staff_notes_author_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notes")),
    )
    with op.batch_alter_table("staff_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notes_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_notes_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_notes_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("staff_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notes_created_at"))
        batch_op.drop_index(batch_op.f("ix_staff_notes_member_id"))
        batch_op.drop_index(batch_op.f("ix_staff_notes_item_id"))
    op.drop_table("staff_notes")
