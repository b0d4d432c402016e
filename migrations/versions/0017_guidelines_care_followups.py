"""community guidelines accepted by members, the break nudge switch, and caring follow-ups after a crisis

Revision ID: 0017
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): on SQLite a copy would DROP TABLE members, which other rows reference.
    op.add_column("members", sa.Column("guidelines_version", sa.Integer(), nullable=True))
    op.add_column("members", sa.Column("guidelines_accepted_at", sa.DateTime(), nullable=True))
    op.add_column("members", sa.Column("break_nudge", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("staff_messages", sa.Column("kind", sa.String(length=24), nullable=True))
    op.create_table(
        "care_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("personalised_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_care_followups_member_id_members"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["queue_items.id"], name=op.f("fk_care_followups_item_id_queue_items"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_care_followups_notice_id_notices"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["moderator_id"], ["members.id"],
                                name=op.f("fk_care_followups_moderator_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["personalised_by_id"], ["members.id"],
                                name=op.f("fk_care_followups_personalised_by_id_members"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["message_id"], ["staff_messages.id"],
                                name=op.f("fk_care_followups_message_id_staff_messages"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_followups")),
    )
    with op.batch_alter_table("care_followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_followups_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_followups_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_followups_due_at"), ["due_at"], unique=False)


def downgrade():
    with op.batch_alter_table("care_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_followups_due_at"))
        batch_op.drop_index(batch_op.f("ix_care_followups_item_id"))
        batch_op.drop_index(batch_op.f("ix_care_followups_member_id"))
    op.drop_table("care_followups")
    _drop_columns("staff_messages", "kind")
    _drop_columns("members", "break_nudge", "guidelines_accepted_at", "guidelines_version")


def _drop_columns(table: str, *columns: str) -> None:
    """SQLite drops a plain column in place (3.35+): a batch copy would DROP TABLE members, which rows in other
    tables still reference (foreign keys are on), and fail."""
    if op.get_bind().dialect.name == "sqlite":
        for column in columns:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_column(column)
