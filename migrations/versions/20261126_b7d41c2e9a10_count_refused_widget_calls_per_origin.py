"""Count refused widget calls per project, origin and reason

One row per (project, origin, reason), updated in place, so admins see which sites are
refused (origin not allowed, unknown key) on the project's page.

Revision ID: b7d41c2e9a10
Revises: 7cf89338b239
Create Date: 2026-11-26 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a10'
down_revision = '7cf89338b239'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refused_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_refused_attempts_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refused_attempts')),
    sa.UniqueConstraint('project_id', 'origin', 'reason', name=op.f('uq_refused_attempts_project_id_origin_reason'))
    )


def downgrade():
    op.drop_table('refused_attempts')
