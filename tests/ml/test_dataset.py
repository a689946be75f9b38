import pandas as pd
import pytest

from ml import DataError, load_training_data
from ml.dataset import COLUMNS, load_csv
from ml.labels import impact_and_urgency


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_labels_map_to_heads(tmp_path):
    path = write(tmp_path / "mine.csv",
                 "title,text,label,severity,priority,star_rating\n"
                 'Crash,"Crash\n\nit crashes",bug,blocker,P4,1\n'
                 'Dark mode,"Dark mode\n\nplease add",enhancement,minor,P1,5\n'
                 "x,x,question,,,\n")
    df = load_csv(path)
    assert list(df.columns) == list(COLUMNS)
    assert df["category"].tolist() == ["bug", "feature", "question"]
    assert df["impact"].tolist()[:2] == ["high", "low"]
    assert df["urgency"].tolist()[:2] == ["low", "high"]
    assert df["body"].tolist()[0] == "it crashes"
    assert df["source"].iloc[0] == "mine.csv"
    assert pd.isna(df["severity"]).all()  # a tracker severity is a label, never context


def test_a_single_priority_field_feeds_impact_and_urgency():
    impact, urgency = impact_and_urgency(pd.DataFrame({"priority": ["Blocker", "Major", "trivial"]}))
    assert impact.tolist() == urgency.tolist() == ["high", "medium", "low"]


def test_text_without_title_is_split_at_the_first_blank_line(tmp_path):
    df = load_csv(write(tmp_path / "a.csv", 'text,impact\n"Slow\n\nvery slow",medium\nno title,low\n'))
    assert df["title"].tolist() == ["Slow", ""]
    assert df["body"].tolist() == ["very slow", "no title"]


@pytest.mark.parametrize("content, message", [
    ("title,label\nx,bug\n", "no 'text' column"),
    ("text,label\n", "no rows"),
    ("text,comment\nhello,hi\n", "no label column"),
    ("text,label\nhello,kudos\n", "cannot map: kudos"),
    ("", "cannot read"),
])
def test_bad_csv_raises_a_clear_data_error(tmp_path, content, message):
    with pytest.raises(DataError, match=message):
        load_csv(write(tmp_path / "bad.csv", content))


def test_missing_inputs_raise_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "absent.csv")
    with pytest.raises(DataError, match="no such data directory"):
        load_training_data(tmp_path / "absent")
    with pytest.raises(DataError, match="none of"):
        load_training_data(tmp_path)
    with pytest.raises(DataError, match="no training data"):
        load_training_data()


def test_shared_recipe_keeps_labels_out_of_context(shared_data):
    df = load_training_data(shared_data)
    assert set(df["source"]) >= {"nlbse24_train.csv", "clap_app_reviews.csv"}
    assert df["severity"].isna().all()
    assert set(df["category"].dropna()) == {"bug", "feature", "question", "other"}
    for head in ("impact", "urgency"):
        assert set(df[head].dropna()) == {"high", "medium", "low"}
    clap = df[df["source"] == "clap_app_reviews.csv"]
    assert clap["star_rating"].notna().all() and clap["tags"].notna().all()
