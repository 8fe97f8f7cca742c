"""Fuzzing every route in the URL map as an anonymous visitor, a signed-in moderator and a
signed-in admin: at least 10,000 requests on each backend with odd query values (huge and
negative numbers, noncharacters, broken percent-encoding), and on every POST form, JSON and odd
bodies. No answer may be a server error.

The field names come from the pages themselves (every `name=` an admin's pages carry), so a new
form or filter is fuzzed without this file changing. test_fuzz.py checks the public API against
its OpenAPI description; this run covers what that description leaves out (the moderators).
"""

import json
import random
import re
from collections import Counter
from urllib.parse import quote

import pyotp
import pytest
from sqlalchemy import select

from mapapp import create_app
from mapapp.models import CorrectionRequest, Incident, Institution, Moderator, Report, Revision
from tests.conftest import TEST_CONFIG
from tests.moderation_helpers import PASSWORD, make_moderator
from tests.test_labels import everything

REQUESTS_PER_BACKEND = 10_000
HUGE = "9223372036854775807"
VALUES = ["", "0", "1", "2", "-1", HUGE, "-" + HUGE, "9" * 40, "1e309", "nan", "inf", "-0",
          "1.5", "2024-13", "2024-08", "9999-99", "0000-00", "%", "'", '"', "\\", "<script>",
          "\x00", "\ufffe", "\uffff", "\U0010ffff", "\ufdd0", "a" * 3000, "ㅎㄱ", "휘경여고",
          "11", "11230", "36", "media_reported", "tips_only", "officially_confirmed",
          "published", "hidden", "retracted", "pending", "approve", "reject", "spam", "hide",
          "restore", "retract", "edit", "burst", "-180,-90,180,90", "1,2,3", "126,37,127,38",
          "nan,nan,nan,nan", "ko", "en", "on", "y", "true", "https://example.org/x",
          "javascript:alert(1)", "//evil.example", "0" * 16, "1234-5678-9012-3456"]
RAW_QUERIES = ["page=%ED%A0%80", "q=%FF%FE", "%zz=1&page=%", "page=" + HUGE,
               "sido=11&sido=26&page=1&page=2", "q=" + "%00" * 10, "=&&=="]
ODD_BODIES = [
    ("application/json", b"{bad"), ("application/json", b"[1,2]"), ("application/json", b"123"),
    ("application/json", b'{"csrf_token": "x", "level": ["a"]}'),
    ("text/plain", b"hello"), ("application/xml", b"<a/>"),
    ("multipart/form-data", b"--x\r\n"), ("multipart/form-data; boundary=x",
                                          b"--x\r\nContent-Disposition: form-data; name=\"a\""
                                          b"\r\n\r\nb\r\n--x--\r\n"),
    ("application/x-www-form-urlencoded", b"%zz=%%&a=\xff\xfe&level=%ED%A0%80"),
    ("application/x-www-form-urlencoded; charset=utf-16", b"\xff\xfea\x00=\x00"),
    ("application/x-www-form-urlencoded", b"page=" + HUGE.encode() + b"&tip_ids=" + HUGE.encode()),
    ("", b"a=b"),
]
QUIET = {"TIP_RATE_LIMIT": "100000/hour", "TIP_GLOBAL_LIMIT": "100000/minute",
         "STATUS_RATE_LIMIT": "100000/hour", "CORRECTION_RATE_LIMIT": "100000/hour",
         "LOGIN_ACCOUNT_LIMIT": "100000/hour", "LOGIN_CLIENT_LIMIT": "100000/hour",
         "TOTP_LIMIT": "100000/hour"}


@pytest.fixture
def fuzz_app(database_url, session):
    """The app with CSRF off and limits out of the way, on a database with one of everything.

    CSRF and limits have tests of their own; here they would turn every POST into the same
    400 or 429 before the view ever reads the body.
    """
    make_moderator(session, create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                                        database_url}), username="fuzz-admin", role="admin")
    everything(session)
    session.commit()
    return create_app({**TEST_CONFIG, **QUIET, "SQLALCHEMY_DATABASE_URI": database_url,
                       "WTF_CSRF_ENABLED": False, "TIP_MIN_FILL_SECONDS": 0})


def signed_in_client(app, session, username):
    """Sign in through both steps (no CSRF here) and return the client."""
    client = app.test_client()
    client.post("/mod/login", data={"username": username, "password": PASSWORD})
    secret = session.scalar(select(Moderator.totp_secret).where(Moderator.username == username))
    answer = client.post("/mod/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302 and answer.location.endswith("/mod/"), answer.status_code
    return client


def ids(session):
    """Ids that exist, for path arguments, plus ones that do not."""
    known = {
        "incident_id": session.scalars(select(Incident.id)).all(),
        "institution_id": session.scalars(select(Report.institution_id).where(
            Report.institution_id.is_not(None))).all()[:5] + session.scalars(
            select(Institution.id).limit(3)).all(),
        "tip_id": session.scalars(select(Report.id)).all(),
        "revision_id": session.scalars(select(Revision.id)).all(),
        "request_id": session.scalars(select(CorrectionRequest.id)).all(),
        # Accounts other than the fuzzers' own (a reset would end their coverage).
        "moderator_id": session.scalars(select(Moderator.id).where(
            Moderator.username.not_like("fuzz-%"))).all(),
    }
    return {name: [*values, 0, 2**31 - 1] for name, values in known.items()}


def routes(app):
    """Return (endpoint, method, rule) for every route but static files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        found += [(rule.endpoint, method, rule) for method in sorted(rule.methods & {"GET",
                                                                                   "POST"})]
    return found


def field_names(client, cookie, app, path_ids):
    """Every name= on the pages an admin can open, plus the filters' query names."""
    names = {"page", "q", "sido", "sigungu", "kind", "level", "status", "from", "to", "sort",
             "zoom", "bbox", "view", "flag", "action", "actor", "lang", "expired", "enrol"}
    for _endpoint, method, rule in routes(app):
        if method == "GET" and "<token>" not in rule.rule:
            client.set_cookie("session", cookie)
            path = rule.build({a: path_ids[a][0] for a in rule.arguments}, append_unknown=False)[1]
            with client.get(path) as answer:
                if answer.mimetype.startswith("text/"):  # not /favicon.ico
                    names |= set(re.findall(r'name="([\w-]+)"', answer.get_data(as_text=True)))
    return sorted(names)


def build_path(rule, path_ids, rng):
    values = {}
    for arg in rule.arguments:
        values[arg] = rng.choice(path_ids[arg]) if arg in path_ids else rng.choice(
            ["x", "%00", "a" * 300, "0" * 43])
    return rule.build(values, append_unknown=False)[1]


def query(names, rng):
    """A query string: some known names with odd values, or raw odd bytes."""
    if rng.random() < 0.1:
        return rng.choice(RAW_QUERIES)
    pairs = [(rng.choice(names), rng.choice(VALUES)) for _ in range(rng.randint(0, 4))]
    return "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}"
                    for k, v in pairs)


def body(names, rng):
    """A POST body and its content type: mostly forms of known fields, else JSON or odd."""
    roll = rng.random()
    if roll < 0.7:
        fields = [(rng.choice(names), rng.choice(VALUES)) for _ in range(rng.randint(0, 12))]
        return "application/x-www-form-urlencoded", "&".join(
            f"{quote(k)}={quote(v)}" for k, v in fields).encode()
    if roll < 0.85:
        payload = {rng.choice(names): rng.choice(VALUES) for _ in range(rng.randint(0, 6))}
        return "application/json", json.dumps(payload).encode()
    return rng.choice(ODD_BODIES)


def test_fuzz_every_route_signed_in_and_not(fuzz_app, session, backend):
    rng = random.Random(f"routes-{backend}")
    path_ids = ids(session)
    admin = signed_in_client(fuzz_app, session, "fuzz-admin")
    make_moderator(session, fuzz_app, username="fuzz-mod")
    moderator = signed_in_client(fuzz_app, session, "fuzz-mod")
    # Restored before each request: a GET of the code page clears a half-done sign-in (and the
    # session with it), and signed-in coverage must not end at the first such request.
    cookies = {"admin": admin.get_cookie("session").value,
               "moderator": moderator.get_cookie("session").value}
    names = field_names(admin, cookies["admin"], fuzz_app, path_ids)
    clients = {"anonymous": fuzz_app.test_client(), "admin": admin, "moderator": moderator}
    targets = routes(fuzz_app)
    answered, errors = Counter(), []
    while sum(answered.values()) < REQUESTS_PER_BACKEND:
        for endpoint, method, rule in targets:
            who = rng.choice(list(clients))
            if who != "anonymous" and endpoint == "moderation.logout":
                who = "anonymous"  # signing the fuzzers out would end their coverage
            client = clients[who]
            if who in cookies:
                client.set_cookie("session", cookies[who])
            path = build_path(rule, path_ids, rng)
            headers = {"Accept": rng.choice(["text/html", "application/json", "*/*"])}
            if method == "GET":
                answer = client.get(path, query_string=query(names, rng), headers=headers)
            else:
                content_type, data = body(names, rng)
                answer = client.post(path, query_string=query(names, rng), data=data,
                                     headers={**headers, "Content-Type": content_type})
            answer.close()  # a file answer (the favicon) holds its file open until closed
            answered[(who, endpoint, method, answer.status_code)] += 1
            if answer.status_code >= 500:
                errors.append((who, method, path, answer.status_code))
    total = sum(answered.values())
    statuses = Counter(status for (_w, _e, _m, status) in answered.elements())
    print(f"fuzz routes ({backend}): {total} requests over {len(targets)} routes, "
          f"statuses {dict(sorted(statuses.items()))}")
    assert errors == [], errors[:20]
    assert total >= REQUESTS_PER_BACKEND
    # The signed-in clients stayed signed in and reached the moderator views themselves.
    for who in ("admin", "moderator"):
        reached = sum(n for (w, e, _m, status), n in answered.items()
                      if w == who and e.startswith("moderation.") and status == 200)
        assert reached > 500, (who, reached)
    assert {400, 404, 415} <= set(statuses)
