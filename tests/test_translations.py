"""Korean is the default language: every message must have a Korean translation."""

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parent.parent / "translations/ko/LC_MESSAGES/messages.po"


def test_every_message_is_translated_to_korean():
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="ko")
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
