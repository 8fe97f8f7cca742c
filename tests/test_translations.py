"""Korean is the default language: every message in the code must have a Korean translation."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations/ko/LC_MESSAGES/messages.po"
METHODS = [("mapapp/**.py", "python"), ("moderation/**.py", "python"),
           ("templates/**.html", "jinja2"), ("templates/**.xml", "jinja2")]


def catalog():
    with CATALOG.open("rb") as f:
        return read_po(f, locale="ko")


def test_every_message_in_the_catalog_is_translated():
    untranslated = [m.id for m in catalog() if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_every_message_in_the_code_is_in_the_catalog():
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = {msg if isinstance(msg, str) else msg[0]
             for _file, _line, msg, _comments, _context in
             extract_from_dir(str(ROOT), METHODS, keywords=keywords)}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog() if m.id}
    assert sorted(found - known) == [], "run ./dev translations and translate the new messages"
