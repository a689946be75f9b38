import pytest

from ml.priority import priority_for
from ml.vocabulary import PRIORITIES

ITIL = {
    ("high", "high"): "P1", ("high", "medium"): "P2", ("high", "low"): "P3",
    ("medium", "high"): "P2", ("medium", "medium"): "P3", ("medium", "low"): "P4",
    ("low", "high"): "P3", ("low", "medium"): "P4", ("low", "low"): "P5",
}


def test_priority_matrix_follows_itil():
    for (impact, urgency), expected in ITIL.items():
        assert priority_for(impact, urgency) == expected
    assert set(ITIL.values()) == set(PRIORITIES)


def test_priority_rejects_unknown_levels():
    with pytest.raises(ValueError, match="impact and urgency"):
        priority_for("critical", "high")
