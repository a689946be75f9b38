"""PMs leave notes on themes; the worker stores the insights rankings

theme_notes: internal notes staff leave on a theme. ranking_snapshots: a project's themes ranked
by impact per period, computed by the worker's aggregate pass, so that the insights page reads one
row instead of summing the daily counts of 90 days (about 600k rows at 1M items).

Revision ID: f99a163b12b9
Revises: c3a7e91d2f45
Create Date: 2026-11-26 19:21:05.554173

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f99a163b12b9'
down_revision = "c3a7e91d2f45"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ranking_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('weights', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_ranking_snapshots_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_snapshots')),
    sa.UniqueConstraint('project_id', 'days', 'day', name=op.f('uq_ranking_snapshots_project_id_days_day'))
    )
    op.create_table('theme_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_theme_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_notes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_notes'))
    )
    with op.batch_alter_table('theme_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_notes_theme_id'), ['theme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('theme_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_notes_theme_id'))

    op.drop_table('theme_notes')
    op.drop_table('ranking_snapshots')
