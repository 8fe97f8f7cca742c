"""Proof of work: how long the browser works, and what checking a proof costs the server.

./dev bench pow [--solves N]

1. Headless Chromium (Debian's) opens the tip form of a live app with the production settings
   (POW_COST, POW_MAX_COUNTER, POW_MAX_FACTOR) and runs the vendored ALTCHA widget N times at
   the quiet difficulty (factor 1) and at the flood difficulty (the maximum factor), timing
   each from the start of the check to the widget's "verified". The counter the browser must
   reach is random up to the maximum, so the worst case (the counter at its maximum) is timed
   too. A mid-range phone is taken as 3-4 times slower than this machine's cores for PBKDF2
   (docs/benchmarks.md says where that figure comes from).
2. On the server, per tip: verifying a proof (signature, key HMAC, the spent-proof look-up)
   and issuing a challenge (one PBKDF2 derivation), beside the argon2id receipt hash every tip
   pays, in the same run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import altcha  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from mapapp import create_app, proofwork  # noqa: E402
from mapapp.config import Defaults  # noqa: E402
from mapapp.extensions import db  # noqa: E402
from mapapp.reports import receipts  # noqa: E402
from tests.conftest import TEST_CONFIG  # noqa: E402
from tests.live import browser, serving  # noqa: E402

PRODUCTION_POW = {name: getattr(Defaults, name) for name in (
    "POW_COST", "POW_MAX_COUNTER", "POW_MAX_FACTOR", "TIP_PROOF_RATE_LIMIT")}
SOLVE = """async () => {
  const widget = document.querySelector("altcha-widget");
  const started = performance.now();
  const done = new Promise((resolve) => widget.addEventListener("statechange", (event) => {
    if (event.detail.state === "verified" || event.detail.state === "error") {
      resolve(event.detail.state);
    }
  }));
  widget.verify();
  const state = await done;
  return [state, performance.now() - started];
}"""


def spread(values):
    """median, 90th percentile and range of a list of milliseconds, as text."""
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"median {statistics.median(ordered):7.0f} ms   p90 {p90:7.0f} ms   "
            f"range {ordered[0]:.0f}-{ordered[-1]:.0f} ms")


def browser_solves(app, solves):
    """Time the widget in Chromium at each difficulty; print and return the medians."""
    real_factor, real_randbelow = proofwork.difficulty_factor, proofwork.secrets.randbelow
    results = {}
    with serving(app) as (port, _stop), browser(javascript=True) as (page, _requested):
        page.goto(f"http://127.0.0.1:{port}/report?lang=en")
        page.wait_for_function("window.$altcha && $altcha.algorithms.has('PBKDF2/SHA-256')")
        cases = [("quiet", 1, False), ("quiet, worst case", 1, True),
                 ("flood", app.config["POW_MAX_FACTOR"], False),
                 ("flood, worst case", app.config["POW_MAX_FACTOR"], True)]
        for name, factor, worst in cases:
            proofwork.difficulty_factor = lambda tips=None, factor=factor: factor
            proofwork.secrets.randbelow = (lambda n: n - 1) if worst else real_randbelow
            times = []
            for _ in range(solves if not worst else max(3, solves // 4)):
                state, took = page.evaluate(SOLVE)
                assert state == "verified", state
                times.append(took)
            results[name] = statistics.median(times)
            print(f"  {name:18} (factor {factor:2}) {spread(times)}")
    proofwork.difficulty_factor, proofwork.secrets.randbelow = real_factor, real_randbelow
    return results


def server_costs(app, rounds=200):
    """Time verifying a proof and issuing a challenge against the receipt's argon2id hash."""
    with app.test_request_context("/report", method="POST"):
        challenge = proofwork.new_challenge(factor=1)
        solution = altcha.solve_challenge(altcha.Challenge.from_dict(challenge))
        payload = altcha.Payload(altcha.Challenge.from_dict(challenge), solution).to_base64()

        def timed(action):
            started = time.perf_counter()
            for _ in range(rounds):
                action()
            return (time.perf_counter() - started) / rounds * 1000

        verify = timed(lambda: proofwork._check(payload))
        issue = timed(lambda: proofwork.new_challenge(factor=1))
        receipt = timed(receipts.new_receipt)
        assert proofwork._check(payload) is not None
    print(f"  verify a proof      {verify:7.3f} ms  ({verify / receipt:.3f} x the receipt hash)")
    print(f"  issue a challenge   {issue:7.3f} ms  ({issue / receipt:.3f} x the receipt hash)")
    print(f"  argon2id receipt    {receipt:7.3f} ms  (every tip pays this)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solves", type=int, default=20, help="solves per difficulty")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({**TEST_CONFIG, **PRODUCTION_POW,
                          "RECEIPT_ARGON2": Defaults.RECEIPT_ARGON2,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
        with app.app_context():
            upgrade()
        print(f"settings: POW_COST {app.config['POW_COST']} PBKDF2 iterations, "
              f"POW_MAX_COUNTER {app.config['POW_MAX_COUNTER']}, "
              f"POW_MAX_FACTOR {app.config['POW_MAX_FACTOR']}")
        print("the browser's work (headless Chromium, widget and worker as served):")
        browser_solves(app, args.solves)
        print("the server's cost per tip (mean of 200):")
        server_costs(app)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
