"""member sessions (sign-out ends the session server-side) and released handles (reserved for a while)

Revision ID: 0008
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("pending_recovery_code", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_sessions_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_member_sessions_key_hash")),
    )
    with op.batch_alter_table("member_sessions") as batch_op:
        batch_op.create_index(batch_op.f("ix_member_sessions_member_id"), ["member_id"], unique=False)
    op.create_table(
        "released_handles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle_key", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_released_handles_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_released_handles")),
        sa.UniqueConstraint("handle_key", name=op.f("uq_released_handles_handle_key")),
    )
    with op.batch_alter_table("released_handles") as batch_op:
        batch_op.create_index(batch_op.f("ix_released_handles_until"), ["until"], unique=False)


def downgrade():
    with op.batch_alter_table("released_handles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_released_handles_until"))
    op.drop_table("released_handles")
    with op.batch_alter_table("member_sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_sessions_member_id"))
    op.drop_table("member_sessions")
