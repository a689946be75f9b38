"""Labels read back as enums: stray values are cleared

category, impact, urgency and priority (feedback), category, impact and urgency (keyword_rules)
and priority (sla_policies) are now enum columns in the models (VARCHAR of the same lengths, no
native type, no CHECK: like the other enum columns). Reading a value outside the vocabulary would
raise, so an item holding one loses its labels and is classified again by the worker; a keyword
rule's stray label is cleared; an SLA policy for an unknown priority never applied and is deleted.
The schema does not change; the downgrade has nothing to undo.

Revision ID: b7d4e2a91c03
Revises: b7d2e4f1a9c3
Create Date: 2026-11-26 16:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c03'
down_revision = 'b7d2e4f1a9c3'
branch_labels = None
depends_on = None

# A copy, as migrations never import the application: ml/vocabulary.py at this revision.
CATEGORIES = ('bug', 'feature', 'question', 'other')
LEVELS = ('high', 'medium', 'low')
PRIORITIES = ('P1', 'P2', 'P3', 'P4', 'P5')


def stray(column: str, allowed: tuple[str, ...]):
    return sa.and_(sa.column(column).is_not(None), sa.column(column).not_in(allowed))


def upgrade():
    feedback = sa.table('feedback', *(sa.column(c) for c in ('category', 'impact', 'urgency', 'priority',
                                                              'confidence', 'classified_at')))
    op.execute(feedback.update()
               .where(sa.or_(stray('category', CATEGORIES), stray('impact', LEVELS), stray('urgency', LEVELS),
                             stray('priority', PRIORITIES)))
               .values(category=None, impact=None, urgency=None, priority=None, confidence=None,
                       classified_at=None))
    rules = sa.table('keyword_rules', *(sa.column(c) for c in ('category', 'impact', 'urgency')))
    for column, allowed in (('category', CATEGORIES), ('impact', LEVELS), ('urgency', LEVELS)):
        op.execute(rules.update().where(stray(column, allowed)).values({column: None}))
    policies = sa.table('sla_policies', sa.column('priority'))
    op.execute(policies.delete().where(stray('priority', PRIORITIES)))


def downgrade():
    pass
