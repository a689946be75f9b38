"""Index the board's default order: priority, then due time

Revision ID: 6148441ae178
Revises: e5328e046b19
Create Date: 2026-11-25 09:48:47.253033

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6148441ae178'
down_revision = 'e5328e046b19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_priority_due', ['priority', 'resolution_due', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_priority_due')

