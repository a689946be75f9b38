"""Themes keep PM edits across runs (status, pin, locked name, phrases, quote, profile); background jobs

Existing themes were named by triagers: they become manual, open, unpinned themes.

Revision ID: 9a1c2e7f3b10
Revises: 4cd3b1e9cfff
Create Date: 2026-11-26 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a1c2e7f3b10'
down_revision = '4cd3b1e9cfff'
branch_labels = None
depends_on = None

THEME_STATUSES = ('open', 'planned', 'in_progress', 'shipped', 'wont_do')


def upgrade():
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum(*THEME_STATUSES, name='themestatus', native_enum=False,
                                                        length=20), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('source', sa.Enum('auto', 'manual', name='themesource', native_enum=False,
                                                        length=20), nullable=False, server_default='manual'))
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('name_locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('key_phrases', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('quote', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('quote_item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('profile', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.now()))

    op.create_table('background_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('themes', 'retrain', name='jobkind', native_enum=False, length=20), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_background_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_background_jobs_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs'))
    )
    op.create_index('ix_background_jobs_kind_project', 'background_jobs', ['kind', 'project_id'], unique=False)
    op.create_index('ix_background_jobs_status_id', 'background_jobs', ['status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_background_jobs_status_id', table_name='background_jobs')
    op.drop_index('ix_background_jobs_kind_project', table_name='background_jobs')
    op.drop_table('background_jobs')
    with op.batch_alter_table('themes', schema=None) as batch_op:
        for column in ('updated_at', 'profile', 'quote_item_id', 'quote', 'key_phrases', 'name_locked', 'pinned',
                       'source', 'status'):
            batch_op.drop_column(column)
