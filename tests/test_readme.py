"""The README's commands are the ones CI runs."""
from triage import ROOT


def test_ci_runs_the_readme_test_command_on_both_databases():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 -m venv .venv && .venv/bin/pip install -q -r requirements-dev.txt && .venv/bin/pytest"
    assert command in readme
    assert ci.count(command) == 2
    assert "TEST_DATABASE_URL=" in ci
