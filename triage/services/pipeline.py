"""What happens to every accepted item, in order: classify, route, set SLA due times."""
from __future__ import annotations

from triage.models import Feedback


def after_intake(item: Feedback) -> None:
    """Run the triage steps on a newly stored item (flushes; the caller commits).

    Each step must leave the item valid if it cannot do its part: an item is never
    lost or rejected because a later step failed.
    """
