"""Escalations inform instead of flooding; people choose the emails that concern them

One row per escalation alert (queued for a digest, sent, or passed: a higher tier fired). Tiers get the
time they became active (existing ones: the upgrade, so that a backlog they never reached
is not flooded at once) and the admin's choice to escalate the existing backlog. Users
choose whether they get assignment and escalation emails; projects whether submitters hear
of their item's resolution (all on by default).

Revision ID: 9025f291e78d
Revises: b7d41c2e9a10
Create Date: 2026-11-26 15:59:33.399590

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9025f291e78d'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('escalation_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=True),
    sa.Column('threshold_percent', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Enum('first_response', 'resolution', name='deadline', native_enum=False, length=20), nullable=False),
    sa.Column('due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Enum('email', 'webhook', name='deliverychannel', native_enum=False, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sent', 'passed', name='alertstate', native_enum=False, length=20), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_escalation_alerts_feedback_id_feedback'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_escalation_alerts_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tier_id'], ['escalation_tiers.id'], name=op.f('fk_escalation_alerts_tier_id_escalation_tiers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_alerts')),
    sa.UniqueConstraint('key', name=op.f('uq_escalation_alerts_key'))
    )
    with op.batch_alter_table('escalation_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_alerts_feedback_id'), ['feedback_id'], unique=False)
        batch_op.create_index('ix_escalation_alerts_state_recipient', ['state', 'recipient'], unique=False)

    with op.batch_alter_table('escalation_tiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('include_backlog', sa.Boolean(), nullable=False, server_default=sa.false()))
    tiers = sa.table('escalation_tiers', sa.column('active_since', sa.DateTime(timezone=True)))
    op.execute(tiers.update().values(active_since=datetime.now(timezone.utc)))
    with op.batch_alter_table('escalation_tiers', schema=None) as batch_op:
        batch_op.alter_column('active_since', existing_type=sa.DateTime(timezone=True), nullable=False)



    # A plain ADD COLUMN (SQLite allows it with a default): a batch copy of projects or users
    # would drop the table, and SQLite's foreign keys would cascade that to their items.
    for table, column in (('users', 'email_on_assign'), ('users', 'email_escalations'),
                          ('projects', 'notify_submitter_on_resolve')):
        op.add_column(table, sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    for table, column in (('users', 'email_on_assign'), ('users', 'email_escalations'),
                          ('projects', 'notify_submitter_on_resolve')):
        op.drop_column(table, column)  # SQLite 3.35+ drops a column in place
    with op.batch_alter_table('escalation_tiers', schema=None) as batch_op:
        batch_op.drop_column('include_backlog')
        batch_op.drop_column('active_since')

    with op.batch_alter_table('escalation_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_alerts_state_recipient')
        batch_op.drop_index(batch_op.f('ix_escalation_alerts_feedback_id'))

    op.drop_table('escalation_alerts')
