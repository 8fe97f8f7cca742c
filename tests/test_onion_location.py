"""Clear-web tip pages offer the onion address (Onion-Location) only when one is configured,
and no other page does. In-process: the onion service itself is in test_onion_service.py."""

import pytest

from mapapp import create_app
from tests.conftest import TEST_CONFIG

ONION = "http://" + "a" * 56 + ".onion"  # a made-up onion address
TIP_PAGES = ("/report", "/report/status")


def test_onion_location_only_when_configured_and_only_on_tip_pages(client, app, monkeypatch,
                                                                   incidents):
    tip_pages = (*TIP_PAGES, f"/incidents/{incidents['sejong']}/correction",
                 "/corrections/status")
    for url in tip_pages:
        assert "Onion-Location" not in client.get(url).headers
    monkeypatch.setitem(app.config, "ONION_URL", ONION)
    for url in tip_pages:
        assert client.get(url + "?lang=en").headers["Onion-Location"] == ONION + url + "?lang=en"
        assert client.get(url).headers["Onion-Location"] == ONION + url  # no stray "?"
    for url in ("/", "/list", "/api/v1/points", f"/incidents/{incidents['sejong']}"):
        assert "Onion-Location" not in client.get(url).headers, url
    on_onion = client.get("/report", headers={"Host": ONION.removeprefix("http://")})
    assert "Onion-Location" not in on_onion.headers


@pytest.mark.parametrize("value", ["http://example.onion", "https://" + "a" * 56 + ".onion",
                                   ONION + "/report", "javascript:alert(1)"])
def test_a_malformed_onion_address_is_refused_at_start(value):
    with pytest.raises(RuntimeError, match="ONION_URL"):
        create_app({**TEST_CONFIG, "ONION_URL": value})
