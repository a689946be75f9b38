"""ITIL priority matrix: impact x urgency -> P1 (most pressing) .. P5.

|            | urgency high | urgency medium | urgency low |
|------------|--------------|----------------|-------------|
| impact high   | P1 | P2 | P3 |
| impact medium | P2 | P3 | P4 |
| impact low    | P3 | P4 | P5 |
"""

from .vocabulary import LEVELS, PRIORITIES

# Rank of each level: the matrix is P(1 + rank(impact) + rank(urgency)).
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def priority_for(impact: str, urgency: str) -> str:
    """Return the ITIL priority "P1".."P5" for an impact and an urgency of high/medium/low."""
    try:
        return PRIORITIES[_RANK[impact] + _RANK[urgency]]
    except KeyError:
        raise ValueError(
            f"impact and urgency must be one of {', '.join(LEVELS)}; got {impact!r}, {urgency!r}"
        ) from None
