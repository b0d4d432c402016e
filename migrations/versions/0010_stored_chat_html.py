"""stored chat html: chat_messages.html, chat_messages.html_version (backfilled for existing messages), so a message
is rendered once, when it is written, for its live event and for every history page after it

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("html_version", sa.String(length=32), nullable=True))
    # Backfill with the renderer chat uses (the same function `forum rerender` calls later).
    from community.rendering import RENDERER_VERSION, render_markdown
    connection = op.get_bind()
    messages = sa.table("chat_messages", sa.column("id", sa.Integer), sa.column("body", sa.Text),
                        sa.column("html", sa.Text), sa.column("html_version", sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(messages.c.id, messages.c.body).where(messages.c.id > last)
                                  .order_by(messages.c.id).limit(BATCH)).all()
        if not rows:
            break
        for message_id, body in rows:
            connection.execute(messages.update().where(messages.c.id == message_id)
                               .values(html=str(render_markdown(body or "", links=False)),
                                       html_version=RENDERER_VERSION))
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_column("html_version")
        batch_op.drop_column("html")
