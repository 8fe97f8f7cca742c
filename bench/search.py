"""Name search: recall per family on the project's test set, and latency through the API.

./dev bench search [--backend sqlite|postgis] [--runs N]

A fresh database per backend with the gazetteer (12,452 institutions). Each query of
tests/data/search_queries.json goes through GET /api/v1/institutions (the tip form's
autocomplete; the test client, so no network in the figure); a query counts as found when its
institution is among the first 10 results. Latency p50/p95 over every query of N runs, and
the same for three queries no index can serve (a lone %, one letter, 60 random letters).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CASES = ROOT / "tests" / "data" / "search_queries.json"
HOSTILE = ["%", "휘", "ㅁ", "x" * 60, "가나다라마바사아자차카타파하" * 4]


def load_cases():
    """Return the test set."""
    return json.loads(CASES.read_text(encoding="utf-8"))


def measure(client, ids, cases):
    """Return ({family: (found, asked)}, [seconds per query])."""
    found, times = defaultdict(lambda: [0, 0]), []
    for case in cases:
        started = time.perf_counter()
        answer = client.get("/api/v1/institutions", query_string={"q": case["query"]})
        times.append(time.perf_counter() - started)
        results = [r["id"] for r in answer.json["results"][:10]]
        found[case["family"]][1] += 1
        if ids[(case["source"], case["source_id"])] in results:
            found[case["family"]][0] += 1
    return dict(found), times


def institution_ids(session):
    """Return {(source, source_id): id}."""
    from sqlalchemy import select

    from mapapp.models import Institution
    return {(s, i): n for n, s, i in session.execute(
        select(Institution.id, Institution.source, Institution.source_id)).all()}


def run(backend, runs):
    """Measure one backend; return a dict of figures."""
    from flask_migrate import upgrade

    from geodata.loader import load_all
    from mapapp import create_app
    from mapapp.extensions import db
    from tests.conftest import TEST_CONFIG, throwaway_database

    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(backend, Path(folder)) as url:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            load_all(db.session)
            db.session.commit()
            if backend == "postgis":
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            ids = institution_ids(db.session)
            client = app.test_client()
            cases = load_cases()
            found, times = measure(client, ids, cases)
            for _ in range(runs - 1):
                times += measure(client, ids, cases)[1]
            hostile = []
            for query in HOSTILE * 20:
                started = time.perf_counter()
                client.get("/api/v1/institutions", query_string={"q": query})
                hostile.append(time.perf_counter() - started)
            db.session.remove()
            db.engine.dispose()
    ms = sorted(t * 1000 for t in times)
    return {"backend": backend, "queries": len(cases), "runs": runs,
            "recall": {f: round(a / b, 3) for f, (a, b) in sorted(found.items())},
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 1),
            "hostile_p95_ms": round(sorted(t * 1000 for t in hostile)[
                int(len(hostile) * 0.95) - 1], 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgis"], action="append")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgis"]:
        figures = run(backend, args.runs)
        print(json.dumps(figures, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
