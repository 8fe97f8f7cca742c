"""Accessibility and page quality as people meet them (issue 15).

./dev bench ux [--backend sqlite|postgis] [--no-lighthouse]

axe-core (from the npm registry) runs over every public, tip and moderator page, in Korean and
English, at phone (390x844) and laptop (1280x800) sizes, including the pages a visitor reaches
by posting (a form with errors, the receipt, a status answer): the number of violations of
any impact, and which. Then Lighthouse (mobile preset, Debian's Chromium) on /, /list,
/report and an incident page against gunicorn as deployed: the four category scores.
Both read a demo site of 300 incidents and 30 tips; a moderator signs in through the one-time
set-up link and the authenticator, as a new volunteer would.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tips import VENV_BIN, server  # noqa: E402  (the same gunicorn as the other benches)

TOOLS = ROOT / "bench" / "out" / "ux"  # axe-core and lighthouse, installed by ./dev bench ux
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
LIGHTHOUSE = TOOLS / "node_modules" / "lighthouse" / "cli" / "index.js"
SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                   "has_touch": True},
         "laptop": {"viewport": {"width": 1280, "height": 800}}}
PASSWORD = "correct horse battery staple"
SHOTS = ROOT / "docs" / "screenshots"  # the key pages at phone size, for the README's readers
SHOT = {"map": "map", "list": "list", "incident": "incident", "tip form with errors":
        "tip-errors", "receipt": "receipt", "tip status answer": "status",
        "moderators' home": "moderators-home", "review": "moderators-review"}


def prepare(url):
    """Seed the demo data and an admin with a set-up link; return (link, an incident id)."""
    env = {"DATABASE_URL": url, "FLASK_APP": "wsgi", "PATH": str(VENV_BIN)}
    for command in (["init-db"], ["geodata", "load"],
                    ["demo", "seed", "--incidents", "300", "--reports", "30", "--seed", "5"]):
        subprocess.run([VENV_BIN / "flask", *command], env=env, cwd=ROOT, check=True,
                       capture_output=True)
    from mapapp import create_app
    from mapapp.extensions import db
    from mapapp.models import Incident, Moderator
    from mapapp.policy import named_clause
    from moderation import sessions
    from moderation.accounts import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        admin = Moderator(username="ux-admin", role="admin",
                          password_hash=hash_password(PASSWORD))
        db.session.add(admin)
        link = f"/mod/enrol/{sessions.issue_enrolment(admin)}"
        incident = db.session.scalar(db.select(Incident.id).where(
            Incident.status == "published", named_clause()).order_by(Incident.id))
        db.session.commit()
    return link, incident


def axe(page):
    """Run axe-core on the page as it is; return its violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})"
                         ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
                         " nodes: v.nodes.length, target: v.nodes[0].target.join(' ')})))")


def settle(page):
    """Wait for the page's own signal that it has drawn (the map sets data-loaded)."""
    if page.locator("#map-wrap").count():
        page.wait_for_selector("#map-wrap[data-loaded]", timeout=30_000)


def public_walk(page, base, lang, incident):
    """Yield (name, page state) for every public and tip page in one language."""
    q = f"lang={lang}"
    for name, path in (("map", "/"), ("list", "/list"), ("list filtered", "/list?sido=11"),
                       ("list empty", "/list?q=zzzq"), ("stats", "/stats"),
                       ("method", "/method"), ("incident", f"/incidents/{incident}"),
                       ("correction", f"/incidents/{incident}/correction"),
                       ("correction status", "/corrections/status"), ("tip form", "/report"),
                       ("tip status", "/report/status"), ("not found", "/no/such/page")):
        page.goto(f"{base}{path}{'&' if '?' in path else '?'}{q}")
        settle(page)
        yield name
    page.goto(f"{base}/report?{q}")
    page.click("button[name=action][value=submit]")
    yield "tip form with errors"
    page.goto(f"{base}/report?{q}")
    page.fill("#q", "서울휘경초")
    page.click("button[name=action][value=search]")
    yield "tip form search"
    page.check("#matches input[name=institution_id]")
    page.select_option("#occurred_year", "2024")
    page.select_option("#occurred_month", "9")
    page.check("input[name=category]")
    page.fill("#description", "반 친구들 사진이 합성되어 단체방에 올라왔습니다.")
    page.check("#confirm")
    page.click("button[name=action][value=submit]")
    yield "receipt"
    code = page.text_content("[data-testid=receipt] code")
    page.goto(f"{base}/report/status?{q}")
    page.fill("#code", code)
    page.click("main button[type=submit]")
    yield "tip status answer"
    page.goto(f"{base}/incidents/{incident}/correction?{q}")
    page.click("main button[type=submit]")
    yield "correction with errors"


def moderator_walk(page, base, link, lang):
    """Sign in through the set-up link (first time only), then yield every moderator page
    its navigation and queue lead to."""
    if link:
        page.goto(base + link)
        page.fill("#username", "ux-admin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        yield "sign-in: enrol"
        page.fill("#code", pyotp.TOTP(page.text_content("[data-testid=secret]")).now())
        page.click("button[type=submit]")
    page.goto(f"{base}/mod/?lang={lang}")
    yield "moderators' home"
    paths = page.eval_on_selector_all(".mod-nav a", "as => as.map(a => a.getAttribute('href'))")
    for path in dict.fromkeys(paths):
        page.goto(base + path)
        yield "moderators " + re.sub(r"\?.*", "", path)
    page.goto(f"{base}/mod/queue?lang={lang}")
    review = page.locator("[data-testid=queue] a").first.get_attribute("href")
    page.goto(base + review)
    yield "review"
    page.goto(f"{base}/mod/queue?lang={lang}")
    page.locator("[data-testid=queue] input[type=checkbox]").first.check()
    page.click("text=" + ("Mark the checked groups as spam…" if lang == "en" else
                          "선택한 묶음을 스팸으로 처리…"))
    yield "spam confirmation"


def shoot(page, size, lang, name):
    """Keep a screenshot of a key page on a phone, in each language (first screen only)."""
    if size == "phone" and name in SHOT:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{SHOT[name]}-{lang}.png")


def run_axe(base, link, incident):
    """Walk every page in both languages at both sizes; return rows of results."""
    from playwright.sync_api import sync_playwright

    from tests.live import CHROMIUM, CHROMIUM_ARGS
    rows = []
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                          headless=True)
        # One moderator context for both sizes: the set-up link and each TOTP code work once.
        moderator = chromium.new_context(bypass_csp=True, locale="ko-KR")
        for size, options in SIZES.items():
            for lang in ("ko", "en"):
                # bypass_csp: our CSP rightly refuses the injected axe script.
                context = chromium.new_context(bypass_csp=True, locale="ko-KR", **options)
                page = context.new_page()
                for name in public_walk(page, base, lang, incident):
                    shoot(page, size, lang, name)
                    rows.append((size, lang, name, axe(page)))
                context.close()
                page = moderator.new_page()
                page.set_viewport_size(options["viewport"])
                for name in moderator_walk(page, base, link, lang):
                    shoot(page, size, lang, name)
                    rows.append((size, lang, name, axe(page)))
                link = None  # enrolled: later walks are signed in already
                page.close()
        moderator.close()
        chromium.close()
    return rows


def run_lighthouse(base, incident):
    """Return {page: {category: score}} from Lighthouse's mobile preset."""
    scores = {}
    for name, path in (("/", "/"), ("/list", "/list"), ("/report", "/report"),
                       ("incident", f"/incidents/{incident}")):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(["node", LIGHTHOUSE, base + path, "--quiet", "--output=json",
                            f"--output-path={out.name}",
                            "--only-categories=performance,accessibility,best-practices,seo",
                            "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
                           check=True, env={"CHROME_PATH": "/usr/bin/chromium",
                                            "PATH": "/usr/bin:/bin"})
            report = json.loads(Path(out.name).read_text())
        scores[name] = {key: round(cat["score"] * 100) for key, cat in
                        report["categories"].items()}
        failing = [a["id"] for a in report["audits"].values()
                   if a.get("score") is not None and a["score"] < 0.9
                   and a.get("scoreDisplayMode") in ("binary", "numeric")]
        scores[name]["below 0.9"] = ", ".join(sorted(failing)[:12])
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgis"), default="sqlite")
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args()
    from tests.conftest import throwaway_database
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(args.backend, Path(folder)) as url:
        link, incident = prepare(url)
        with server(url) as port:
            base = f"http://127.0.0.1:{port}"
            rows = run_axe(base, link, incident)
            scores = {} if args.no_lighthouse else run_lighthouse(base, incident)
    found = 0
    print(f"{'size':7} {'lang':4} {'page':28} violations")
    for size, lang, name, violations in rows:
        found += len(violations)
        detail = "; ".join(f"{v['id']} ({v['impact']}, {v['nodes']}: {v['target']})"
                           for v in violations)
        print(f"{size:7} {lang:4} {name:28} {len(violations)} {detail}")
    print(f"axe-core: {len(rows)} page states, {found} violations")
    for name, figures in scores.items():
        print(f"lighthouse {name:10} " + " ".join(f"{k}={v}" for k, v in figures.items()))
    (TOOLS / "axe.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
