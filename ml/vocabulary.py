"""triage's words for an item's labels: the single source, read by ml and by the app's enums.

Plain tuples, in order of the heads' classes and of the priority matrix (most pressing first).
`triage.models.base` builds its `Category`, `Level` and `Priority` enums from these, so a label
is added in one place; this module imports nothing, so the app may read it without the model.
"""

CATEGORIES: tuple[str, ...] = ("bug", "feature", "question", "other")
LEVELS: tuple[str, ...] = ("high", "medium", "low")  # impact and urgency
PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P5")
