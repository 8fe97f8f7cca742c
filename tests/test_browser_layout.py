"""One unbroken 200-character name must not make any page wider than the screen: public list
and incident page, the moderators' queue, review and incident pages, on a phone and a laptop."""

import pytest
from sqlalchemy import select

from mapapp.models import Incident, Institution, Report
from mapapp.reports import receipts
from tests.live import browser, demo_site
from tests.moderation_helpers import add_unenrolled
from tests.test_browser_moderation import LINKS, sign_in

LONG = "W" * 200  # no space, no hyphen: nothing a browser would break at by itself
SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
FOUND = {}


def long_names(session):
    """Give a named incident's institution the long name, with a pending tip on it and a tip
    naming an unlisted school in 200 unbroken characters."""
    incident = session.scalar(select(Incident).where(
        Incident.status == "published", Incident.verification_level == "media_reported")
        .order_by(Incident.id))
    institution = session.get(Institution, incident.institution_id)
    institution.name_ko = institution.name_en = LONG
    for text, place in ((None, institution), (LONG, None)):
        _code, lookup, hashed = receipts.new_receipt()
        session.add(Report(institution_id=place.id if place else None, institution_text=text,
                           sido_code=institution.sido_code, category="other",
                           occurred_month=incident.first_reported_month,
                           description=LONG + " " + LONG, source_url="https://example.org/"
                           + LONG, receipt_lookup=lookup, receipt_hash=hashed))
    LINKS["layout"] = add_unenrolled(session, "layout")
    FOUND.update(incident=incident.id, institution=institution.id)


@pytest.fixture
def site(backend, tmp_path):
    with demo_site(backend, tmp_path, incidents=30, reports=10, seed_value=5,
                   also=long_names) as (_app, base, _url):
        yield base


def overflow(page):
    """Return how many pixels the page is wider than its viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_200_character_name_breaks_inside_the_screen(site):
    base = site
    public = ["/list?q=WWWWWWWW", f"/incidents/{FOUND['incident']}", "/list?q=WWWW&lang=en"]
    moderators = ["/mod/queue", f"/mod/institutions/{FOUND['institution']}", "/mod/incidents",
                  f"/mod/incidents/{FOUND['incident']}", "/mod/queue?lang=en"]
    too_wide = []
    with browser() as (page, _requested):
        sign_in(page, base, "layout")
        for name, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            for path in public + moderators:
                answer = page.goto(base + path)
                assert answer.status == 200, path
                assert LONG in page.content(), path  # the long name is really on the page
                if overflow(page) > 0:
                    too_wide.append((name, path, overflow(page)))
    assert too_wide == []
