"""Admins switch off default rules one by one

A row names a default rule of ml/rules.py that is off; no row, the rule is on.

Revision ID: 4cd3b1e9cfff
Revises: 65cf6834bfda
Create Date: 2026-11-26 13:13:37.208815

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4cd3b1e9cfff'
down_revision = '65cf6834bfda'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disabled_default_rules',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('disabled_by_id', sa.Integer(), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['disabled_by_id'], ['users.id'], name=op.f('fk_disabled_default_rules_disabled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_disabled_default_rules'))
    )


def downgrade():
    op.drop_table('disabled_default_rules')
