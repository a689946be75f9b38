"""Mutation testing with cosmic-ray over the rules a user sees the effect of: the priority matrix,
the SLA clocks, the escalation tiers, routing and intake's idempotency. Each target's module is
mutated (one operator at a time) and its own test files run against every mutant; a mutant no
test kills is a change of behaviour nothing would notice. Prints per target the mutants, killed,
survived and the score, then the surviving mutants' diffs (--show). Not part of the test suite:
a full run takes hours on two cores (every mutant is a pytest run).

    python bench/mutation.py [--only priority,sla] [--show] [--timeout 120] [--sample 40 --seed 1]
    python bench/mutation.py --only sla --again /tmp/triage-mutation-XXXX   # its survivors, on HEAD's tests
    python bench/mutation.py --only routing --db postgres --again /tmp/triage-mutation-XXXX

--sample N keeps one mutant per site and operator family (a `+` on one line has a dozen
replacements; one of them stands for the rest), then at most N of those, drawn with --seed: the
run then takes minutes instead of hours, and the score is an estimate over the sample.

The work happens in a copy of the committed tree (git archive HEAD), so an interrupted run never
leaves a mutated file in the checkout. Tests run on SQLite (TEST_DATABASE_URL is dropped), or
with --db postgres on the PostgreSQL at POSTGRES_URL (the branches SQLite never enters).
cosmic-ray comes from requirements-dev.txt.

Each mutant's test run is made cheap without leaving a test out: pytest starts without the
plugins no target test uses (hypothesis and schemathesis alone cost seconds of import), stops at
the first failure, and runs a target's slow tests (SLOW: servers, workers, the demo) only once
the fast ones all passed, so most mutants die in the first, quick stage.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# name -> (module mutated, the test files that speak for it)
TARGETS = {
    "priority": ("ml/priority.py", ["tests/ml/test_priority.py"]),
    "sla": ("triage/services/triage/sla.py", ["tests/test_sla.py"]),
    "escalation": ("triage/services/triage/escalation.py", ["tests/test_escalation.py"]),
    "routing": ("triage/services/triage/routing.py", ["tests/test_routing.py"]),
    "intake": ("triage/services/intake/__init__.py", ["tests/test_intake_accept.py", "tests/test_intake.py"]),
}
# name -> its tests that take seconds each (a server, a worker, the demo): they run last, and
# only for a mutant the others all let through
SLOW = {
    "escalation": ["tests/test_escalation.py::test_the_demo_backlog_sends_at_most_five_emails_to_anyone",
                   "tests/test_escalation.py::test_the_worker_runs_passes_until_sigterm",
                   "tests/test_escalation.py::"
                   "test_a_sweep_killed_in_the_middle_of_sending_sends_nothing_twice_after_restart"],
}
# pytest plugins none of the targets' tests use; loading them is most of pytest's own start-up
UNUSED_PLUGINS = ["hypothesispytest", "schemathesis", "locust", "anyio"]
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONFIG = """[cosmic-ray]
module-path = "{module}"
timeout = {timeout}
excluded-modules = []
test-command = "{python} {tree}/bench/mutation.py --run {name}"

[cosmic-ray.distributor]
name = "local"
"""


def tool(name: str) -> str:
    return str(BIN / name) if (BIN / name).exists() else name


def run_tests(name: str) -> int:
    """The tests of one target against the tree this file is in: the fast ones first, then the slow
    ones; the exit status of the first stage that fails (0 when all pass)."""
    tests, slow = TARGETS[name][1], SLOW.get(name, [])
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    pytest += [arg for plugin in UNUSED_PLUGINS for arg in ("-p", f"no:{plugin}")]
    stages = [tests + [arg for test in slow for arg in ("--deselect", test)]] + ([slow] if slow else [])
    for stage in stages:
        if code := subprocess.run(pytest + stage, cwd=Path(__file__).resolve().parent.parent).returncode:
            return code
    return 0


def committed_tree() -> Path:
    """The HEAD tree in a new temporary folder."""
    target = Path(tempfile.mkdtemp(prefix="triage-mutation-"))
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def sample_mutants(session: Path, size: int, seed: int) -> None:
    """Keep one mutant per site and operator family, then `size` of those at random."""
    with sqlite3.connect(session) as conn:
        rows = conn.execute("SELECT job_id, operator_name, start_pos_row, start_pos_col FROM mutation_specs"
                            " ORDER BY start_pos_row, start_pos_col, operator_name, occurrence").fetchall()
        draw, sites = random.Random(seed), {}
        for job, operator, row, col in rows:
            sites.setdefault((operator.split("/")[-1].split("_")[0], row, col), []).append(job)
        chosen = {draw.choice(jobs) for jobs in sites.values()}
        chosen = set(draw.sample(sorted(chosen), min(size, len(chosen))))
        dropped = [(job,) for job, *_ in rows if job not in chosen]
        conn.executemany("DELETE FROM mutation_specs WHERE job_id = ?", dropped)
        conn.executemany("DELETE FROM work_items WHERE job_id = ?", dropped)
    print(f"sampled {len(chosen)} of {len(rows)} mutants ({len(sites)} sites x operator families)", flush=True)


def forget_survivors(session: Path) -> int:
    """Drop the outcomes of the surviving mutants of an earlier run, so exec runs them again
    (a mutant killed before stays killed when tests are only added); how many."""
    with sqlite3.connect(session) as conn:
        return conn.execute("DELETE FROM work_results WHERE lower(test_outcome) = 'survived'").rowcount


def run_target(name: str, tree: Path, timeout: int, sample: int = 0, seed: int = 1,
               again: Path | None = None, postgres: bool = False) -> dict:
    module = TARGETS[name][0]
    config, session = tree / f"mutation-{name}.toml", tree / f"mutation-{name}.sqlite"
    config.write_text(CONFIG.format(module=module, timeout=timeout, python=sys.executable, tree=tree, name=name))
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"} | {"PYTHONPATH": str(tree)}
    if postgres:
        env["TEST_DATABASE_URL"] = POSTGRES_URL
    if again:
        session.write_bytes((again / session.name).read_bytes())
        print(f"{name}: running the {forget_survivors(session)} survivors of {again} again", flush=True)
    else:
        subprocess.run([tool("cosmic-ray"), "init", str(config), str(session)], cwd=tree, env=env, check=True)
    if sample and not again:
        sample_mutants(session, sample, seed)
    baseline = subprocess.run([tool("cosmic-ray"), "baseline", str(config)], cwd=tree, env=env)
    if baseline.returncode:
        raise SystemExit(f"{name}: the tests fail without any mutation")
    subprocess.run([tool("cosmic-ray"), "exec", str(config), str(session)], cwd=tree, env=env, check=True)
    dump = subprocess.run([tool("cosmic-ray"), "dump", str(session)], cwd=tree, env=env, capture_output=True,
                          text=True, check=True).stdout
    results = {"killed": 0, "survived": 0, "incompetent": 0, "survivors": []}
    for line in dump.splitlines():
        work, outcome = json.loads(line)
        verdict = (outcome or {}).get("test_outcome")
        if verdict == "killed":
            results["killed"] += 1
        elif verdict == "survived":
            results["survived"] += 1
            mutation = work["mutations"][0]
            results["survivors"].append(f"{mutation['module_path']}:{mutation['start_pos'][0]} "
                                        f"{mutation['operator_name']}\n{outcome.get('diff', '')}")
        else:
            results["incompetent"] += 1
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(TARGETS), help="comma-separated: " + ", ".join(TARGETS))
    parser.add_argument("--show", action="store_true", help="print the surviving mutants' diffs")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per mutant's test run")
    parser.add_argument("--sample", type=int, default=0, help="at most this many mutants per target (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="the sample's random seed")
    parser.add_argument("--again", type=Path, help="the work tree of an earlier run: run its survivors again")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="the database the tests run on (postgres: " + POSTGRES_URL + ")")
    parser.add_argument("--run", choices=list(TARGETS), help=argparse.SUPPRESS)  # one mutant's test run
    args = parser.parse_args()
    if args.run:
        raise SystemExit(run_tests(args.run))
    tree = committed_tree()
    print(f"{'target':<11} {'module':<40} {'mutants':>7} {'killed':>6} {'survived':>8} {'score':>6}")
    for name in args.only.split(","):
        found = run_target(name, tree, args.timeout, args.sample, args.seed, args.again, args.db == "postgres")
        mutants = found["killed"] + found["survived"]
        print(f"{name:<11} {TARGETS[name][0]:<40} {mutants:>7} {found['killed']:>6} {found['survived']:>8} "
              f"{100 * found['killed'] / max(mutants, 1):>5.1f}%", flush=True)
        if args.show:
            for survivor in found["survivors"]:
                print("  survived:", survivor)
    print(f"mutation score per target above (cosmic-ray, tests on {args.db}); work tree {tree}")


if __name__ == "__main__":
    main()
