"""Macros: saved replies that can also set status and tags; the undo record of a bulk action

One row per macro (shared, or personal to its author), and per person the last bulk
action with each item's values before and after, so that it can be undone for a while.

Revision ID: c4a7e1d2f9b6
Revises: 9025f291e78d
Create Date: 2026-11-26 19:30:17.989295

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7e1d2f9b6'
down_revision = '9025f291e78d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bulk_undos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_bulk_undos_actor_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_undos'))
    )
    with op.batch_alter_table('bulk_undos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_undos_actor_id'), ['actor_id'], unique=False)

    op.create_table('macros',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('new', 'triaged', 'in_progress', 'waiting', 'resolved', 'closed', name='status', native_enum=False, length=20), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_macros_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_macros'))
    )
    with op.batch_alter_table('macros', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_macros_created_by_id'), ['created_by_id'], unique=False)



def downgrade():
    with op.batch_alter_table('macros', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_macros_created_by_id'))

    op.drop_table('macros')
    with op.batch_alter_table('bulk_undos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_undos_actor_id'))

    op.drop_table('bulk_undos')
