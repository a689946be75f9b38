"""triage's classifier: plain Python + scikit-learn; never imports Flask or the app.

Public API: TriageModel (fit/predict/save/load), Prediction, priority_for, Rulebook (junk,
default and admin rules, the submitter's severity), KeywordRules (cold start),
load_training_data, and the errors ModelError and DataError.
"""

from .dataset import load_training_data
from .errors import DataError, MLError, ModelError
from .model import TriageModel
from .prediction import Prediction
from .priority import priority_for
from .rules import DEFAULT_RULE_NAMES, DEFAULT_RULES, KeywordRules, Rulebook, validate_rules
from .vocabulary import CATEGORIES, LEVELS, PRIORITIES

__all__ = [
    "DEFAULT_RULES", "DEFAULT_RULE_NAMES", "DataError", "KeywordRules", "MLError", "ModelError",
    "CATEGORIES", "LEVELS", "PRIORITIES", "Prediction", "Rulebook", "TriageModel", "load_training_data", "priority_for",
    "validate_rules",
]
