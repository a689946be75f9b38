"""Projects carry a brand colour and a logo

The hosted pages and the widget show the project's colour ("#rrggbb") and logo (PNG bytes,
re-encoded on upload; `logo_version` is their hash, part of the logo's URL).

Revision ID: 5b7e2c9d41a8
Revises: c3a9e1d07b54
Create Date: 2026-11-26 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c9d41a8'
down_revision = "c3a9e1d07b54"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand_color', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('logo_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_version', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('logo_version')
        batch_op.drop_column('logo_png')
        batch_op.drop_column('brand_color')
