"""Insights read daily counts, impact weights, spike alerts and theme followers

The worker keeps daily_counts per project, day, theme, category and priority (its watermark in
aggregate_marks, read through the new index on feedback.updated_at); impact_weights hold a
project's weights for the impact score; spike_alerts and theme_followers tell PMs of spikes.
Revision ID: 7cf89338b239
Revises: b7d4e2a91c03
Create Date: 2026-11-26 16:01:58.167126

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7cf89338b239'
down_revision = 'b7d4e2a91c03'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('aggregate_marks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_aggregate_marks'))
    )
    op.create_table('impact_weights',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('vote_weight', sa.Float(), nullable=False),
    sa.Column('tier_weights', sa.JSON(), nullable=False),
    sa.Column('severity_weights', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_impact_weights_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_impact_weights'))
    )
    op.create_table('daily_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('priority', sa.String(length=2), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reporters', sa.Integer(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('tiers', sa.JSON(), nullable=False),
    sa.Column('promoters', sa.Integer(), nullable=False),
    sa.Column('detractors', sa.Integer(), nullable=False),
    sa.Column('nps_answers', sa.Integer(), nullable=False),
    sa.Column('csat_good', sa.Integer(), nullable=False),
    sa.Column('csat_answers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_daily_counts_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_daily_counts_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_counts'))
    )
    with op.batch_alter_table('daily_counts', schema=None) as batch_op:
        batch_op.create_index('ix_daily_counts_project_day', ['project_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_daily_counts_theme_id'), ['theme_id'], unique=False)

    op.create_table('spike_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('baseline_mean', sa.Float(), nullable=False),
    sa.Column('baseline_std', sa.Float(), nullable=False),
    sa.Column('z', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_spike_alerts_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_spike_alerts_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spike_alerts')),
    sa.UniqueConstraint('project_id', 'key', 'day', name=op.f('uq_spike_alerts_project_id_key_day'))
    )
    with op.batch_alter_table('spike_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_spike_alerts_project_status', ['project_id', 'status'], unique=False)

    op.create_table('theme_followers',
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_followers_theme_id_themes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_theme_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('theme_id', 'user_id', name=op.f('pk_theme_followers'))
    )
    with op.batch_alter_table('theme_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_followers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_updated_at'), ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_updated_at'))

    with op.batch_alter_table('theme_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_followers_user_id'))

    op.drop_table('theme_followers')
    with op.batch_alter_table('spike_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_spike_alerts_project_status')

    op.drop_table('spike_alerts')
    with op.batch_alter_table('daily_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_counts_theme_id'))
        batch_op.drop_index('ix_daily_counts_project_day')

    op.drop_table('daily_counts')
    op.drop_table('impact_weights')
    op.drop_table('aggregate_marks')
