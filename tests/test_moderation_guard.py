"""The attacker: every moderation route, tried without the right to use it, must refuse."""

import pytest
from sqlalchemy import func, select

from mapapp.models import AuditEvent
from tests.helpers import HELP_SITES, csrf_token, links_elsewhere
from tests.moderation_helpers import make_moderator, sign_in
from tests.test_moderation_auth import deactivate

OPEN = {"moderation.login", "moderation.second_factor", "moderation.enrol"}  # enrol: 404 unless
# the token is a live one (test_moderator_sessions)


def moderation_routes(app):
    """Yield (method, path, endpoint) for every guarded moderation route in the URL map."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("moderation.") or rule.endpoint in OPEN:
            continue
        path = rule.build({arg: 1 for arg in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, path, rule.endpoint


def admin_only_routes(app):
    for method, path, endpoint in moderation_routes(app):
        if getattr(app.view_functions[endpoint], "admin_only", False):
            yield method, path, endpoint


def refused(answer):
    """A refusal: sent to sign in, forbidden, or a bad request (missing CSRF token)."""
    if answer.status_code == 302:
        return "/mod/login" in answer.location
    return answer.status_code in (400, 401, 403, 405)


def test_there_are_routes_to_attack(app):
    assert len(list(moderation_routes(app))) >= 3
    admin = {endpoint for _method, _path, endpoint in admin_only_routes(app)}
    assert {"moderation.accounts", "moderation.reset", "moderation.deactivate"} <= admin


def test_anonymous_is_refused_everywhere(client, app, session):
    for method, path, _ in moderation_routes(app):
        assert refused(client.open(path, method=method)), (method, path)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_deactivated_moderator_is_refused_everywhere(client, app, session):
    moderator = make_moderator(session, app)
    sign_in(client, session, moderator)
    deactivate(session, moderator)
    for method, path, _ in moderation_routes(app):
        assert refused(client.open(path, method=method)), (method, path)


def test_moderator_is_refused_on_admin_routes(client, app, session):
    """Forbidden even with a good CSRF token: the role is what refuses."""
    sign_in(client, session, make_moderator(session, app))
    make_moderator(session, app, username="other")
    token = csrf_token(client.get("/mod/queue").get_data(as_text=True))
    for method, path, _ in admin_only_routes(app):
        data = {"csrf_token": token} if method == "POST" else None
        assert client.open(path, method=method, data=data).status_code == 403, (method, path)
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("moderator.reset", "moderator.deactivate")))) == 0


def test_half_signed_in_is_refused(client, app, session):
    """Right password, no code yet: nothing but the code page."""
    make_moderator(session, app)
    token = csrf_token(client.get("/mod/login").get_data(as_text=True))
    client.post("/mod/login", data={"csrf_token": token, "username": "mina",
                                    "password": "correct horse battery staple"})
    for method, path, _ in moderation_routes(app):
        assert refused(client.open(path, method=method)), (method, path)


def test_every_post_needs_a_csrf_token(client, app, session):
    sign_in(client, session, make_moderator(session, app, role="admin"))
    for method, path, _ in moderation_routes(app):
        if method == "POST":
            assert client.post(path, data={}).status_code == 400, path
    for path in ("/mod/login", "/mod/login/code"):
        assert client.post(path, data={"username": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/mod/", "/mod/login", "/mod/audit"])
def test_moderator_pages_are_private_and_self_contained(client, app, session, path):
    sign_in(client, session, make_moderator(session, app, role="admin"))
    answer = client.get(path, follow_redirects=True)
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    page, footer = html.split("<footer")
    assert 'src="http' not in page and 'href="http' not in page
    assert sorted(links_elsewhere(footer)) == sorted(HELP_SITES)  # the helplines' sites
