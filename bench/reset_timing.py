"""Does "Forgot password?" answer a known email measurably slower than an unknown one?

In-process (Flask test client, no network), on a fresh SQLite file, CSRF off and limits lifted:
rounds of N requests for an existing account and N for an unknown email, interleaved A, B, A, B;
prints the median per-request time of each and their ratio per round (median and minimum).
With --no-floor the answers are not padded to PASSWORD_RESET_MIN_SECONDS (what the padding hides).
Usage: python bench/reset_timing.py [--quick] [--no-floor]"""
from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import Role  # noqa: E402
from triage.services import accounts  # noqa: E402


def median_ms(client, email: str, count: int) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        assert client.post("/auth/reset", data={"email": email}).status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, count = (5, 20) if quick else (9, 50)
    folder = tempfile.mkdtemp()
    floor = 0.0 if "--no-floor" in sys.argv else 0.25
    app = create_app({"PASSWORD_RESET_MIN_SECONDS": floor, "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/reset.db", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        accounts.create_user("known@example.com", "bench password", Role.AGENT)
        db.session.commit()
        client = app.test_client()
        median_ms(client, "warm@example.com", 5)
        ratios, known_all, unknown_all = [], [], []
        for _ in range(rounds):
            known, unknown = median_ms(client, "known@example.com", count), median_ms(client, "nobody@example.com", count)
            known_all.append(known)
            unknown_all.append(unknown)
            ratios.append(known / unknown)
    print(f"nproc {os.cpu_count()}, in-process test client; Python {platform.python_version()}, SQLite file, {rounds} rounds x {count}, floor {floor} s")
    print(f"| email | median ms per request |\n|---|---|\n| known | {statistics.median(known_all):.2f} |"
          f"\n| unknown | {statistics.median(unknown_all):.2f} |")
    print(f"reset known/unknown ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}) sqlite")


if __name__ == "__main__":
    main()
