"""Release health: app versions on items and survey answers, releases, adoption, gate rules, followers, watched fixes

Items and survey answers carry the submitter's app version (normalised) and its sort key;
per project: releases with their daily adoption, the gate's rules, its followers, and the
fixes watched for a regression.

Revision ID: 8a1e5c0d7f42
Revises: 9a1c2e7f3b10
Create Date: 2026-11-26 15:59:01.188900

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1e5c0d7f42'
down_revision = '9a1c2e7f3b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('release_followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('webhook_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_release_followers_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], name=op.f('fk_release_followers_webhook_id_webhooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_followers')),
    sa.UniqueConstraint('project_id', 'email', name=op.f('uq_release_followers_project_id_email'))
    )
    with op.batch_alter_table('release_followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_followers_project_id'), ['project_id'], unique=False)

    op.create_table('release_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('no_open_p1', 'max_open_p2', 'bug_rate', 'nps_drop', 'new_theme', name='rulekind', native_enum=False, length=20), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('min_sample', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_release_rules_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_rules'))
    )
    with op.batch_alter_table('release_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_rules_project_id'), ['project_id'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('version_key', sa.String(length=200), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_verdict', sa.String(length=10), nullable=True),
    sa.Column('verdict_changes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_releases_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('project_id', 'version', name=op.f('uq_releases_project_id_version'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_version_key'), ['version_key'], unique=False)

    op.create_table('release_adoption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_release_adoption_release_id_releases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_adoption')),
    sa.UniqueConstraint('release_id', 'day', name=op.f('uq_release_adoption_release_id_day'))
    )
    op.create_table('release_fixes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('version_key', sa.String(length=200), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('regressed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_release_fixes_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_release_fixes_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_release_fixes_theme_id_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_fixes'))
    )
    with op.batch_alter_table('release_fixes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_fixes_feedback_id'), ['feedback_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_release_fixes_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_release_fixes_theme_id'), ['theme_id'], unique=False)

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_version', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('version_key', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_feedback_project_version', ['project_id', 'version_key'], unique=False)

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_version', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('version_key', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_responses_version_key'), ['version_key'], unique=False)



def downgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_version_key'))
        batch_op.drop_column('version_key')
        batch_op.drop_column('app_version')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_project_version')
        batch_op.drop_column('version_key')
        batch_op.drop_column('app_version')

    with op.batch_alter_table('release_fixes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_fixes_theme_id'))
        batch_op.drop_index(batch_op.f('ix_release_fixes_project_id'))
        batch_op.drop_index(batch_op.f('ix_release_fixes_feedback_id'))

    op.drop_table('release_fixes')
    op.drop_table('release_adoption')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_version_key'))

    op.drop_table('releases')
    with op.batch_alter_table('release_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_rules_project_id'))

    op.drop_table('release_rules')
    with op.batch_alter_table('release_followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_followers_project_id'))

    op.drop_table('release_followers')
