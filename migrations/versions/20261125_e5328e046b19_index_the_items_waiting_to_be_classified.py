"""Index the items waiting to be classified

Revision ID: e5328e046b19
Revises: 3e89fb1c5599
Create Date: 2026-11-25 09:19:37.665275

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5328e046b19'
down_revision = '3e89fb1c5599'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_pending', ['id'], unique=False, sqlite_where=sa.text('category IS NULL'), postgresql_where=sa.text('category IS NULL'))



def downgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_pending', sqlite_where=sa.text('category IS NULL'), postgresql_where=sa.text('category IS NULL'))

