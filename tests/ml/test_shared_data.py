import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from ml import TriageModel, load_training_data
from ml.model import item_dicts


@pytest.mark.slow
def test_nlbse_holdout_macro_f1_beats_070(shared_data):
    df = load_training_data(shared_data)
    nlbse = df[df["source"] == "nlbse24_train.csv"].reset_index(drop=True)
    train, test = train_test_split(nlbse, test_size=0.2, stratify=nlbse["category"],
                                   random_state=0)
    model = TriageModel.fit(train)
    predicted = [p.category for p in model.predict(item_dicts(test))]
    # Macro over NLBSE's own three classes: an issue titled "." that the rulebook calls junk
    # ("other") counts as a miss of its class, not as a fourth class scoring 0.
    labels = sorted(test["category"].unique())
    assert f1_score(test["category"], predicted, labels=labels, average="macro") > 0.70
