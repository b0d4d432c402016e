"""safety plan blocks muted words: a member's encrypted safety plan, member blocks, muted words

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('safety_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_safety_plans_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plans')),
    sa.UniqueConstraint('member_id', name=op.f('uq_safety_plans_member_id'))
    )
    op.create_table('member_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['blocked_id'], ['members.id'], name=op.f('fk_member_blocks_blocked_id_members'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['members.id'], name=op.f('fk_member_blocks_blocker_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_blocks')),
    sa.UniqueConstraint('blocker_id', 'blocked_id', name='uq_member_blocks_pair')
    )
    with op.batch_alter_table('member_blocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_blocks_blocked_id'), ['blocked_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_blocks_blocker_id'), ['blocker_id'], unique=False)

    op.create_table('muted_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_muted_words_member_id_members'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_muted_words')),
    sa.UniqueConstraint('member_id', 'word', name='uq_muted_words_member_word')
    )
    with op.batch_alter_table('muted_words', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_muted_words_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('muted_words', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_muted_words_member_id'))
    op.drop_table('muted_words')
    with op.batch_alter_table('member_blocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_blocks_blocker_id'))
        batch_op.drop_index(batch_op.f('ix_member_blocks_blocked_id'))
    op.drop_table('member_blocks')
    op.drop_table('safety_plans')
