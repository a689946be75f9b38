"""One vocabulary: the label enums come from ml's words, read back as enum members equal to
their strings, refuse unknown strings, and the id bound is the same everywhere."""
import pytest
from sqlalchemy.exc import StatementError

import ml.vocabulary
from triage.extensions import db
from triage.models import (
    ID_LIMIT,
    OPEN_STATUSES,
    Category,
    Feedback,
    Level,
    Priority,
    Status,
    parse_id,
    valid_id,
)


def test_the_enums_are_ml_s_words_in_ml_s_order():
    assert [c.value for c in Category] == list(ml.vocabulary.CATEGORIES)
    assert [v.value for v in Level] == list(ml.vocabulary.LEVELS)
    assert [p.value for p in Priority] == list(ml.vocabulary.PRIORITIES)
    assert Category.BUG == "bug" and Level.HIGH == "high" and Priority.P1 == "P1"


def test_open_statuses_are_those_not_resolved_or_closed():
    assert OPEN_STATUSES == (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING)
    assert [s for s in Status if s.is_open] == list(OPEN_STATUSES)


def test_a_stored_label_reads_back_as_an_enum_member(app, project):
    item = Feedback(project=project, title="Crash", category="bug", impact="high", urgency=Level.LOW,
                    priority="P3")
    db.session.add(item)
    db.session.commit()
    db.session.expire_all()
    found = db.session.get(Feedback, item.id)
    assert (found.category, found.impact, found.urgency, found.priority) == (
        Category.BUG, Level.HIGH, Level.LOW, Priority.P3)
    assert isinstance(found.category, Category) and found.category == "bug"


def test_a_label_outside_the_vocabulary_is_refused(app, project):
    db.session.add(Feedback(project=project, title="Crash", category="defect"))
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("value, expected", [
    ("42", 42), (42, 42), ("0", None), (0, None), (-3, None), (str(ID_LIMIT), None),
    (ID_LIMIT - 1, ID_LIMIT - 1), ("4x", None), ("٤", None), ("99999999999999", None), (True, None),
    (None, None), (4.0, None),
])
def test_an_id_is_a_positive_integer_an_integer_column_holds(value, expected):
    assert parse_id(value) == expected


def test_valid_id_is_the_same_bound():
    assert valid_id(1) and valid_id(ID_LIMIT - 1) and not valid_id(0) and not valid_id(ID_LIMIT)
