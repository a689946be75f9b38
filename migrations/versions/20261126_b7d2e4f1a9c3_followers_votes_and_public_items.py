"""Followers and votes on items, and items shown to end users

Follower: someone told of an item's replies and status changes besides its submitter (the
reporters of merged items, voters with an email, staff). Vote: one person's +1 (a hashed
voter key, unique per item). feedback.public: listed for votes and "similar reports";
ideas already stored become public, as new ideas are.

Revision ID: b7d2e4f1a9c3
Revises: 8a1e5c0d7f42
Create Date: 2026-11-26 16:30:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'b7d2e4f1a9c3'
down_revision = '8a1e5c0d7f42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_followers_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_followers_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followers')),
    sa.UniqueConstraint('feedback_id', 'email', name=op.f('uq_followers_feedback_id_email'))
    )
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('browser', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_votes_feedback_id_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('feedback_id', 'voter', name=op.f('uq_votes_feedback_id_voter'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_feedback_id'), ['feedback_id'], unique=False)
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE feedback SET public = TRUE WHERE kind = 'idea'")


def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('public')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_feedback_id'))
    op.drop_table('votes')
    op.drop_table('followers')
