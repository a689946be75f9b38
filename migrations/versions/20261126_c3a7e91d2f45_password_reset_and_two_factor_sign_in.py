"""Password reset by email and two-factor sign-in: TOTP columns on users, one-time recovery codes

A reset link needs no column: it signs a fingerprint of the password hash. Users get the
TOTP secret (empty until enrolled), the last accepted time step (a code is never taken twice)
and the admin's demand for two-factor sign-in; recovery codes are kept as hashes, each used once.

Revision ID: c3a7e91d2f45
Revises: c4a7e1d2f9b6
Create Date: 2026-11-26 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a7e91d2f45'
down_revision = "c4a7e1d2f9b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    # A plain ADD COLUMN (SQLite allows it): a batch copy of users would drop the table, and
    # SQLite's foreign keys would cascade that to the rows that point at users.
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('totp_required', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    for column in ('totp_required', 'totp_last_step', 'totp_secret'):
        op.drop_column('users', column)  # SQLite 3.35+ drops a column in place
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
