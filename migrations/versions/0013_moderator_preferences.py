"""moderator preferences: keep text collapsed, opt-in alerts, and the stretch of queue work for break reminders

Revision ID: 0013
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "moderator_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("keep_collapsed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("alert_sound", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("alert_notification", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("stretch_started_at", sa.DateTime(), nullable=True),
        sa.Column("last_active_at", sa.DateTime(), nullable=True),
        sa.Column("break_snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_moderator_preferences_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_moderator_preferences")),
    )


def downgrade():
    op.drop_table("moderator_preferences")
