"""Agents may see only their teams' items

A per-user choice of which items an agent sees: "all" (as before, the default for every
existing account) or "teams" (items routed to one of their teams or assigned to them).

Revision ID: c4a7e1d93b52
Revises: f99a163b12b9
Create Date: 2026-11-26 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7e1d93b52'
down_revision = "f99a163b12b9"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with a default (a batch copy of users would drop the table and
    # SQLite's foreign keys would cascade that).
    op.add_column('users', sa.Column('item_access', sa.Enum('all', 'teams', name='itemaccess', native_enum=False,
                                                            length=10), nullable=False, server_default='all'))


def downgrade():
    op.drop_column('users', 'item_access')  # SQLite 3.35+ drops a column in place
