"""A stamp tells each process when the cached settings changed

One row, `settings`, whose value every transaction that changes a routing rule, team,
membership, user, SLA policy, webhook, keyword rule, switched-off default rule, model version,
theme or project replaces with a new random token; intake reads it once and keeps those
small tables in memory while it is unchanged (services/snapshot.py).

Revision ID: c3a9e1d07b54
Revises: c4a7e1d93b52
Create Date: 2026-11-26 19:40:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9e1d07b54'
down_revision = "c4a7e1d93b52"
branch_labels = None
depends_on = None


def upgrade():
    stamps = op.create_table('settings_stamps',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_settings_stamps'))
    )
    op.bulk_insert(stamps, [{'name': 'settings', 'value': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('settings_stamps')
