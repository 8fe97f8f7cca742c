"""The static mirror at 100,000 published demo incidents, on SpatiaLite and PostGIS.

./dev bench mirror [--sizes N,...] [--backend sqlite|postgis]

Three runs of `flask publish-static` into one folder, each in a process of its own: the first
(an empty folder: every page rendered, the baseline), the same again with nothing changed, and
after one incident was hidden (what the automatic mode does after a takedown). For each: wall
time, pages rendered, files written, peak resident memory; the folder's size and file count;
and the second and third runs as a ratio of the first.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from points import seed  # noqa: E402  (same seeding as the points benchmark)


def publish_here(database_url, folder, hide):
    """In this process: optionally hide the newest named incident, publish, print JSON."""
    os.environ["DATABASE_URL"] = database_url
    from sqlalchemy import select

    from mapapp import create_app
    from mapapp.extensions import db
    from mapapp.mirror import publish
    from mapapp.models import Incident, utcnow
    from mapapp.policy import named_clause
    from mapapp.publishing import public_change

    app = create_app()
    with app.app_context():
        if hide:
            item = db.session.scalar(select(Incident).where(
                Incident.status == "published", named_clause()).order_by(Incident.id.desc()))
            with public_change(db.session):
                item.status, item.hidden_at = "hidden", utcnow()
                db.session.commit()
        started = time.perf_counter()
        summary = publish(folder)
        summary["wall"] = time.perf_counter() - started
    summary["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(summary))


def run_publish(database_url, folder, hide=False):
    answer = subprocess.run(
        [sys.executable, __file__, "--publish", database_url, folder, "--hide", str(int(hide))],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "MALLOC_ARENA_MAX": "2"})
    if answer.returncode:
        raise SystemExit(answer.stderr[-3000:])
    return json.loads(answer.stdout.strip().splitlines()[-1])


def folder_size(folder):
    files = [p for p in Path(folder).rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files) / 2**20


def measure(backend, incidents):
    from tests.conftest import throwaway_database

    with tempfile.TemporaryDirectory() as scratch, \
            throwaway_database(backend, Path(scratch)) as url:
        seed(url, incidents)
        out = str(Path(scratch) / "mirror")
        runs = {"full (empty folder)": run_publish(url, out),
                "nothing changed": run_publish(url, out),
                "one incident hidden": run_publish(url, out, hide=True)}
        count, megabytes = folder_size(out)
    base = runs["full (empty folder)"]["wall"]
    pages = runs["full (empty folder)"]["incident_pages"]
    print(f"\n{backend}, {incidents:,} incidents: {count:,} files, {megabytes:,.0f} MB "
          f"(gzip copies included), {pages:,} incident pages per language")
    print(f"{'run':<22} {'seconds':>8} {'vs full':>8} {'pages':>8} {'changed':>8} "
          f"{'removed':>8} {'peak RSS MB':>12}")
    for name, r in runs.items():
        print(f"{name:<22} {r['wall']:>8.1f} {r['wall'] / base:>8.2f} {r['pages']:>8,} "
              f"{r['changed']:>8,} {r['removed']:>8,} {r['rss_mb']:>12.0f}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--publish":
        publish_here(sys.argv[2], sys.argv[3], sys.argv[5] == "1")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--backend", choices=("sqlite", "postgis"))
    args = parser.parse_args()
    for backend in [args.backend] if args.backend else ["sqlite", "postgis"]:
        for size in (int(s) for s in args.sizes.split(",")):
            measure(backend, size)


if __name__ == "__main__":
    main()
