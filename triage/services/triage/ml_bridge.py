"""The app's one bridge to `ml/`: every name of ml's machinery the app uses, imported here
and nowhere else in `triage` (tests/test_architecture.py checks it). The models read only
ml's words (`ml.vocabulary`, plain tuples) to build their enums.

`classify` predicts and stores, `rules` builds the rulebook, `training` trains and scores,
`demo` and the CLI read the corpus and training files, `theme_runs` clusters themes
(`ml_themes`), `items.duplicates` finds look-alikes: all of them through this module, so
what the app asks of ml is one short list.
"""
from ml import (
    DEFAULT_RULES,
    KeywordRules,
    MLError,
    ModelError,
    Prediction,
    Rulebook,
    TriageModel,
    load_training_data,
    priority_for,
    validate_rules,
)
from ml import themes as ml_themes
from ml.corpus import load_corpus
from ml.duplicates import LIKELY, POSSIBLE, DuplicateIndex, item_text, shared_phrases
from ml.rules import DefaultRule
from ml.validate import headline, holdout_scores

__all__ = [
    "DEFAULT_RULES", "LIKELY", "POSSIBLE", "DefaultRule", "DuplicateIndex", "KeywordRules", "MLError", "ModelError",
    "Prediction", "Rulebook", "TriageModel", "headline", "holdout_scores", "item_text", "load_corpus",
    "load_training_data", "ml_themes", "priority_for", "shared_phrases", "validate_rules",
]
