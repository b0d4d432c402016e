"""stored post html and paging indexes: posts.html, posts.html_plain, posts.html_version (backfilled for existing
posts), and the indexes that keep any page of a long thread, board or queue as cheap as the first

Revision ID: 0009
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("html_plain", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("html_version", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_posts_html_version"), ["html_version"], unique=False)
        batch_op.create_index("ix_posts_thread_id_created_at_id", ["thread_id", "created_at", "id"], unique=False)
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index("ix_threads_board_id_last_activity_at_id", ["board_id", "last_activity_at", "id"],
                              unique=False)
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index("ix_queue_items_status_rank_created_at_id", ["status", "rank", "created_at", "id"],
                              unique=False)
    # Backfill with the renderer the pages use (the same function `forum rerender` calls later).
    from community.rendering import RENDERER_VERSION, render_stored
    connection = op.get_bind()
    posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("body", sa.Text),
                     sa.column("html", sa.Text), sa.column("html_plain", sa.Text),
                     sa.column("html_version", sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(posts.c.id, posts.c.body).where(posts.c.id > last)
                                  .order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            break
        for post_id, body in rows:
            html, plain = render_stored(body or "")
            connection.execute(posts.update().where(posts.c.id == post_id)
                               .values(html=html, html_plain=plain, html_version=RENDERER_VERSION))
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_items_status_rank_created_at_id")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_board_id_last_activity_at_id")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_thread_id_created_at_id")
        batch_op.drop_index(batch_op.f("ix_posts_html_version"))
        batch_op.drop_column("html_version")
        batch_op.drop_column("html_plain")
        batch_op.drop_column("html")
