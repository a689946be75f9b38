"""The rules of docs/architecture.md that a line of code can break, checked on the source:
ml/ knows no web, services never commit or touch the request, no view queries the database
itself, and one module of the app is its bridge to ml."""
import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ("admin", "api", "auth", "board", "insights", "intake", "releases")
# The app's one bridge to ml's machinery; models read ml's words (plain tuples), nothing more.
ML_BRIDGE = "triage/services/triage/ml_bridge.py"
ML_WORDS = "ml.vocabulary"


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def queries(path: Path) -> int:
    """Calls that read the database: select(...), db.session.get/scalar(s)/execute(...)."""
    count = 0
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            count += name == "select" or name in ("db.session.get", "db.session.scalar", "db.session.scalars",
                                                  "db.session.execute")
    return count


def test_ml_never_imports_the_web_the_database_or_the_app():
    for path in modules("ml"):
        bad = {name for name in imports(path) if name.split(".")[0] in ("flask", "triage", "sqlalchemy", "werkzeug")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_services_never_commit_nor_read_the_request_nor_import_a_blueprint():
    for path in modules("triage/services"):
        source = path.read_text()
        assert "session.commit(" not in source, f"{path.relative_to(ROOT)} commits"
        bad = {name for name in imports(path) if name in ("flask.request", "flask.g")
               or name.split(".")[:2] in (["triage", b] for b in BLUEPRINTS)}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_view_queries_the_database_itself():
    found = Counter()
    for blueprint in BLUEPRINTS:
        for path in modules(f"triage/{blueprint}"):
            if path.name not in ("forms.py", "__init__.py") and "schemas" not in path.parts:
                if n := queries(path):
                    found[str(path.relative_to(ROOT))] = n
    assert not found, f"views that query the database (move the query into a service): {dict(found)}"


def test_only_the_bridge_imports_ml():
    outside = {}
    for path in [*modules("triage"), ROOT / "wsgi.py"]:
        names = {name for name in imports(path) if name.split(".")[0] == "ml"}
        if str(path.relative_to(ROOT)) == ML_BRIDGE:
            continue
        if bad := {name for name in names if not name.startswith(ML_WORDS)}:
            outside[str(path.relative_to(ROOT))] = sorted(bad)
    assert not outside, f"modules that import ml beside {ML_BRIDGE} (go through it): {outside}"


def test_the_checks_can_fail(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("from flask import request\nfrom triage.extensions import db\n"
                      "x = db.session.scalars(select(Item))\n")
    assert queries(sample) == 2 and "flask.request" in imports(sample)
    sample.write_text("import ml\nfrom ml.model import TriageModel\nfrom ml.vocabulary import LEVELS\n")
    assert {"ml", "ml.model", "ml.model.TriageModel", "ml.vocabulary.LEVELS"} <= imports(sample)
