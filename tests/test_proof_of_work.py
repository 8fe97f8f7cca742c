"""Tips from shared networks: a proof of work earns a larger per-address allowance; without
one (JavaScript off) the base limit holds; proofs count once; the global ceiling still cuts
a flood from many addresses; the onion service is offered only when configured."""

import base64
import json

import altcha
import pytest
from sqlalchemy import func, select

from mapapp import create_app, proofwork
from mapapp.models import CorrectionRequest, Report
from tests.conftest import TEST_CONFIG
from tests.helpers import (
    csrf_token,
    links_elsewhere,
    receipt_code,
    send_tip,
    started_token,
    valid_tip,
)
from tests.moderation_helpers import make_moderator, sign_in

ONION = "http://" + "a" * 56 + ".onion"  # a made-up onion address
FIELDS = valid_tip(institution_text="한빛고등학교", sido_code="11")


def solved(client, **headers):
    """Fetch a challenge as the widget does and solve it; return the form field's value."""
    answer = client.get("/report/challenge", headers=headers)
    assert answer.status_code == 200, answer.status_code
    challenge = altcha.Challenge.from_dict(answer.get_json())
    solution = altcha.solve_challenge(challenge, timeout=10)
    return altcha.Payload(challenge, solution).to_base64()


def tips(session):
    return session.scalar(select(func.count()).select_from(Report))


def shared_network_note(html):
    return "JavaScript" in html and "network" in html


@pytest.fixture
def limits(app, monkeypatch):
    """The production allowances per address: 5 tips an hour without a proof, 60 with."""
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "5/hour")
    monkeypatch.setitem(app.config, "TIP_PROOF_RATE_LIMIT", "60/hour")
    monkeypatch.setitem(app.config, "TIP_GLOBAL_LIMIT", "600/minute")


def test_thirty_tips_with_proofs_from_one_address_all_arrive(client, app, session, limits):
    school = {"REMOTE_ADDR": "203.0.113.7"}  # one school's Wi-Fi
    for n in range(30):
        answer = send_tip(client, app, {**FIELDS, "altcha": solved(client)}, environ=school)
        assert answer.status_code == 200, (n, answer.status_code)
        assert receipt_code(answer.get_data(as_text=True))
    assert tips(session) == 30


def test_without_proofs_the_base_limit_holds_and_says_why(client, app, session, limits):
    school = {"REMOTE_ADDR": "203.0.113.8"}
    answers = [send_tip(client, app, FIELDS, environ=school).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    refused = send_tip(client, app, FIELDS, environ=school)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and FIELDS["description"] in html  # nothing lost
    assert shared_network_note(html) and ".onion" not in html  # no onion configured
    assert tips(session) == 5
    # Another address is not affected; a proof still gets through from this one.
    assert send_tip(client, app, FIELDS, environ={"REMOTE_ADDR": "203.0.113.9"}
                    ).status_code == 200
    assert send_tip(client, app, {**FIELDS, "altcha": solved(client)}, environ=school
                    ).status_code == 200


def test_the_refusal_names_the_onion_address_when_there_is_one(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1/hour")
    monkeypatch.setitem(app.config, "ONION_URL", ONION)
    send_tip(client, app, FIELDS)
    html = send_tip(client, app, FIELDS, lang="ko").get_data(as_text=True)
    assert ONION in html and "JavaScript" in html and "네트워크" in html


def test_the_global_ceiling_refusal_does_not_blame_the_network(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_GLOBAL_LIMIT", "1/minute")
    send_tip(client, app, FIELDS)
    refused = send_tip(client, app, FIELDS, environ={"REMOTE_ADDR": "198.51.100.99"})
    assert refused.status_code == 429
    assert not shared_network_note(refused.get_data(as_text=True))


def test_a_replayed_proof_counts_as_none(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1/hour")
    proof = solved(client)
    assert send_tip(client, app, FIELDS).status_code == 200  # the one tip without a proof
    assert send_tip(client, app, {**FIELDS, "altcha": proof}).status_code == 200
    replayed = send_tip(client, app, {**FIELDS, "altcha": proof})
    assert replayed.status_code == 429  # the proof was spent: the base limit applies
    assert shared_network_note(replayed.get_data(as_text=True))
    assert tips(session) == 2


def edited(payload, change):
    data = json.loads(base64.b64decode(payload))
    change(data)
    return base64.b64encode(json.dumps(data).encode()).decode()


def cheaper(data):
    data["challenge"]["parameters"]["cost"] = 1


def other_key(data):
    data["solution"]["derivedKey"] = "00" * 32


def padded(data):
    data["padding"] = "x" * 3000  # ignored by the parser: only the length check refuses it


def wrong_algorithm(data):
    data["challenge"]["parameters"]["algorithm"] = "SHA-256"


@pytest.mark.parametrize("spoil", [
    lambda proof: edited(proof, cheaper),  # the signed parameters changed
    lambda proof: edited(proof, other_key),  # a key that is not the one found
    lambda proof: edited(proof, wrong_algorithm),
    lambda proof: proof[:-8],  # cut short
    lambda proof: "not base64 at all!",
    lambda proof: base64.b64encode(b"[1, 2, 3]").decode(),
    lambda proof: edited(proof, padded),  # valid, but longer than any real one
], ids=["cost", "key", "algorithm", "cut", "garbage", "json-list", "padded"])
def test_a_forged_proof_counts_as_none(client, app, session, monkeypatch, spoil):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1/hour")
    assert send_tip(client, app, FIELDS).status_code == 200
    forged = send_tip(client, app, {**FIELDS, "altcha": spoil(solved(client))})
    assert forged.status_code == 429
    assert tips(session) == 1


def test_an_expired_proof_counts_as_none(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1/hour")
    monkeypatch.setitem(app.config, "POW_CHALLENGE_SECONDS", -1)
    proof = solved(client)
    assert send_tip(client, app, FIELDS).status_code == 200
    assert send_tip(client, app, {**FIELDS, "altcha": proof}).status_code == 429


def test_a_proof_from_another_secret_counts_as_none(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1/hour")
    other = create_app({**TEST_CONFIG, "SECRET_KEY": "another-secret-key-that-is-long-enough",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    proof = solved(other.test_client())
    assert send_tip(client, app, FIELDS).status_code == 200
    assert send_tip(client, app, {**FIELDS, "altcha": proof}).status_code == 429


def test_a_flood_from_many_addresses_is_cut_by_the_global_ceiling(client, app, session,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "TIP_GLOBAL_LIMIT", "40/minute")
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "5/hour")
    token = csrf_token(client.get("/report").get_data(as_text=True))
    statuses = []
    for n in range(2000):  # 2,000 addresses, no proofs
        answer = client.post("/report", data={**FIELDS, "csrf_token": token,
                                              "started": started_token(app)},
                             environ_base={"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.1"})
        statuses.append(answer.status_code)
    assert statuses.count(200) == 40 and statuses.count(429) == 1960
    assert tips(session) == 40
    # The moderators' queue still opens and shows the tips that came in.
    moderator = make_moderator(session, app)
    reviewer = app.test_client()
    sign_in(reviewer, session, moderator)
    queue = reviewer.get("/mod/queue")
    assert queue.status_code == 200
    assert "한빛고등학교" in queue.get_data(as_text=True)


def test_the_challenge_is_fresh_json_and_limited(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "POW_CHALLENGE_RATE_LIMIT", "3/hour")
    first, second = client.get("/report/challenge"), client.get("/report/challenge")
    assert first.headers["Cache-Control"] == "no-store"
    assert first.mimetype == "application/json"
    assert first.get_json()["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert first.get_json()["signature"] != second.get_json()["signature"]
    assert client.get("/report/challenge").status_code == 200
    assert client.get("/report/challenge").status_code == 429


def test_the_work_grows_with_the_intake(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "POW_QUIET_TIPS", 3)
    monkeypatch.setitem(app.config, "POW_MAX_FACTOR", 4)
    most = app.config["POW_MAX_COUNTER"]
    # The server picks the counter the browser must reach; take the largest it may pick.
    monkeypatch.setattr(proofwork.secrets, "randbelow", lambda n: n - 1)

    def counter_asked():
        proofwork.forget_intake()
        challenge = altcha.Challenge.from_dict(client.get("/report/challenge").get_json())
        return altcha.solve_challenge(challenge, timeout=10).counter

    assert counter_asked() == most  # quiet
    for _ in range(7):
        assert send_tip(client, app, FIELDS).status_code == 200
    assert counter_asked() == most * 3  # 7 tips in the window: ceil(7 / 3)
    for _ in range(8):
        send_tip(client, app, FIELDS)
    assert counter_asked() == most * 4  # 15 tips, but never more than the maximum factor


def test_correction_requests_get_the_same_allowances(client, app, session, monkeypatch,
                                                     incidents):
    monkeypatch.setitem(app.config, "CORRECTION_RATE_LIMIT", "1/hour")
    monkeypatch.setitem(app.config, "CORRECTION_PROOF_RATE_LIMIT", "30/hour")
    url = f"/incidents/{incidents['sejong']}/correction"
    fields = {"requester_kind": "institution_staff", "problem": "wrong_school",
              "body": "이 학교는 해당 사건과 관련이 없습니다. 교육청 확인 바랍니다."}

    def ask(proof=None):
        token = csrf_token(client.get(url).get_data(as_text=True))
        data = {**fields, "csrf_token": token, **({"altcha": proof} if proof else {})}
        return client.post(url + "?lang=en", data=data)

    assert [ask(solved(client)).status_code for _ in range(3)] == [200] * 3
    assert ask().status_code == 200
    refused = ask()
    assert refused.status_code == 429 and shared_network_note(refused.get_data(as_text=True))
    proof = solved(client)
    assert ask(proof).status_code == 200
    assert ask(proof).status_code == 429  # spent
    assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 5


def test_the_forms_carry_the_widget_and_load_nothing_from_elsewhere(client, incidents):
    for url in ("/report", f"/incidents/{incidents['sejong']}/correction"):
        html = client.get(url).get_data(as_text=True)
        assert '<altcha-widget challenge="/report/challenge"' in html
        assert '"humanInteractionSignature": false' in html and '"hideFooter": true' in html
        assert 'src="/static/vendor/altcha/altcha.min.js"' in html
        assert 'data-worker="/static/vendor/altcha/pbkdf2.js"' in html
        links_elsewhere(html)


def test_the_widget_is_left_out_when_proof_of_work_is_off(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "POW_ENABLED", False)
    assert "altcha" not in client.get("/report").get_data(as_text=True)
    assert client.get("/report/challenge").status_code == 404


def test_with_the_database_down_challenges_still_come_and_tips_keep_their_text(backend,
                                                                             tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/missing-dir/db.sqlite"
    else:
        url = "postgresql+psycopg://nobody@127.0.0.1:9/nowhere?connect_timeout=2"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    proofwork.forget_intake()
    proof = solved(client)  # issued at the quiet difficulty
    answer = send_tip(client, app, {**FIELDS, "altcha": proof,
                                    "description": "이 글은 지워지면 안 됩니다"})
    assert answer.status_code == 503
    assert "이 글은 지워지면 안 됩니다" in answer.get_data(as_text=True)
