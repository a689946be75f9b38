import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS = [
    ("App crashes on start", "It crashes with an error", "bug", "critical"),
    ("Crash when saving", "The editor crashed and lost my work", "bug", "major"),
    ("Error on upload", "Upload fails with an error", "bug", "normal"),
    ("Login is broken", "Login button broken, error 500", "bug", "critical"),
    ("Sync error", "Sync fails with an error", "bug", "normal"),
    ("Please add dark mode", "It would be nice to have a dark theme", "enhancement", "minor"),
    ("Add CSV export", "Feature request: export as CSV please", "enhancement", "normal"),
    ("Offline mode please", "It would be great to work offline", "enhancement", "minor"),
    ("Add shortcuts", "Please add keyboard shortcuts", "enhancement", "trivial"),
    ("Calendar view", "Would be nice to have a calendar view", "enhancement", "normal"),
    ("How do I reset my password?", "How do I reset it?", "question", "normal"),
    ("How to change language?", "Is there a way to change the language?", "question", "minor"),
    ("How do I export?", "How can I export my data?", "question", "trivial"),
    ("Where are backups?", "Is there a way to find backups?", "question", "normal"),
    ("How to share a board?", "How do I share a board?", "question", "minor"),
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "error", "-m", "ml", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def labelled_csv(tmp_path) -> Path:
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "text", "label", "severity"])
        for title, body, label, severity in ROWS:
            writer.writerow([title, f"{title}\n\n{body}", label, severity])
    return path


def test_cli_train_predict_evaluate_round_trip(labelled_csv, tmp_path):
    model = tmp_path / "model"
    trained = run("train", "--data", str(labelled_csv), "--out", str(model),
                  "--cv-folds", "3", "--quiet", "--no-corpus")
    assert trained.returncode == 0, trained.stderr
    assert "cv 3-fold category" in trained.stdout and "corpus validation" not in trained.stdout
    metadata = json.loads((model / "metadata.json").read_text())
    assert metadata["metrics"]["cv"]["category"]["macro_f1"] > 0

    unlabelled = tmp_path / "new.csv"
    unlabelled.write_text('text\n"Crash on start\n\nit crashes"\nHow do I export my data?\n')
    out = tmp_path / "out.csv"
    predicted = run("predict", "--model", str(model), "--input", str(unlabelled),
                    "--output", str(out))
    assert predicted.returncode == 0, predicted.stderr
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    assert set(rows[0]) == {"text", "category", "category_confidence", "impact", "urgency",
                            "priority", "confidence", "junk", "why"}
    assert rows[0]["priority"] in {"P1", "P2", "P3", "P4", "P5"}

    evaluated = run("evaluate", "--model", str(model), "--input", str(labelled_csv), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    heads = json.loads(evaluated.stdout)["heads"]
    assert set(heads) == {"category", "impact", "urgency"}
    assert heads["category"]["confusion"]["labels"] and heads["category"]["reliability"]
    text = run("evaluate", "--model", str(model), "--input", str(labelled_csv))
    assert "confusion" in text.stdout and "reliability" in text.stdout


def test_cli_reports_missing_input_with_exit_2(tmp_path):
    result = run("predict", "--model", str(tmp_path / "nomodel"), "--input", "x.csv",
                 "--output", str(tmp_path / "o.csv"))
    assert result.returncode == 2
    assert "no model directory" in result.stderr and "Traceback" not in result.stderr
    result = run("train", "--data", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "m"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_cli_reports_bad_csv_with_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title,label\nx,bug\n")
    result = run("train", "--data", str(bad), "--out", str(tmp_path / "m"), "--quiet")
    assert result.returncode == 2
    assert "no 'text' column" in result.stderr and "Traceback" not in result.stderr
