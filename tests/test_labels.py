"""No raw code reaches a moderator page: every status, level, kind, category, role, reason,
flag and action shows in words, in Korean and in English."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from mapapp.labels import LABELS
from mapapp.models import (
    CORRECTION_PROBLEMS,
    CORRECTION_STATUSES,
    HISTORY_CHANGES,
    INCIDENT_STATUSES,
    REPORT_CATEGORIES,
    REQUESTER_KINDS,
    REVISION_ACTIONS,
    REVISION_STATUSES,
    TIPSTER_ROLES,
    VERIFICATION_LEVELS,
    CorrectionRequest,
    Incident,
    IncidentHistory,
    Institution,
    Moderator,
    Report,
    Revision,
    RevisionApproval,
    utcnow,
)
from mapapp.reports.personal_data import PATTERNS
from tests.test_moderation_review import signed_in

# Every model constant has words in the registry.
COVERAGE = {"incident_status": INCIDENT_STATUSES, "level": VERIFICATION_LEVELS,
            "category": REPORT_CATEGORIES, "role": TIPSTER_ROLES,
            "revision_action": REVISION_ACTIONS, "revision_status": REVISION_STATUSES,
            "correction_status": CORRECTION_STATUSES, "requester_kind": REQUESTER_KINDS,
            "problem": CORRECTION_PROBLEMS, "history": HISTORY_CHANGES,
            "personal_data": tuple(PATTERNS)}


class VisibleText(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes():
    codes = set()
    for group in LABELS.values():
        codes |= set(group)
    return codes


def test_every_code_has_words():
    for group, codes in COVERAGE.items():
        assert set(codes) <= set(LABELS[group]), group


def everything(session):
    """One of every status, level, category, role, flag, action and change."""
    mods = session.scalars(select(Moderator)).all()
    institutions = session.scalars(select(Institution).where(Institution.sido_code == "11")
                                   .order_by(Institution.id).limit(12)).all()
    incidents = []
    for n, (status, level) in enumerate(zip(INCIDENT_STATUSES * 3, VERIFICATION_LEVELS * 4,
                                             strict=False)):
        item = Incident(institution_id=institutions[n].id, status=status,
                        verification_level=level, public_summary_ko="요약",
                        first_reported_month=date(2024, 8, 1), hidden_reason="검토",
                        last_reported_month=date(2024, 9, 1), published_at=utcnow())
        session.add(item)
        incidents.append(item)
    session.flush()
    for n, (category, role) in enumerate(zip(REPORT_CATEGORIES * 2, TIPSTER_ROLES,
                                             strict=False)):
        for inst in (institutions[0], institutions[11]):
            session.add(Report(institution_id=inst.id, sido_code="11",
                               sigungu_code=inst.sigungu_code, occurred_month=date(2024, 8, 1),
                               category=category, tipster_role=role, description="내용",
                               personal_data_flags=list(PATTERNS), incident_id=incidents[1].id,
                               receipt_lookup=f"9{inst.id % 1000:03d}{n:04d}",
                               receipt_hash="!", source_url="https://example.org/s"))
    version = {"status": "published", "institution_id": institutions[0].id,
               "level": "tips_only", "summary_ko": "요약", "summary_en": "", "sources": [],
               "first_month": "2024-08", "last_month": "2024-09", "retraction_note": ""}
    for action in REVISION_ACTIONS:
        for status in REVISION_STATUSES:
            revision = Revision(incident_id=incidents[1].id, action=action, status=status,
                                base=version, proposed={**version, "level": "media_reported"},
                                basis="근거", author_id=mods[0].id)
            session.add(revision)
            session.flush()
            session.add(RevisionApproval(revision_id=revision.id, moderator_id=mods[0].id))
    for n, (status, kind, problem) in enumerate(zip(CORRECTION_STATUSES * 2, REQUESTER_KINDS,
                                                    CORRECTION_PROBLEMS, strict=False)):
        session.add(CorrectionRequest(incident_id=incidents[1].id, status=status,
                                      requester_kind=kind, problem=problem, body="정정 요청",
                                      triaged_at=utcnow(), receipt_lookup=f"7{n:07d}",
                                      receipt_hash="!"))
    for change in HISTORY_CHANGES:
        session.add(IncidentHistory(incident_id=incidents[1].id, change=change,
                                    from_value="tips_only", to_value="media_reported"))
    from mapapp import audit

    for action in LABELS["audit_action"]:
        audit.record(session, mods[0], action, incidents[1], reason="이유")
    session.commit()
    return {"incident": incidents[1].id, "institution": institutions[0].id,
            "tip": session.scalar(select(Report.id)), "revision": session.scalar(
                select(Revision.id).where(Revision.status == "pending"))}


def moderator_pages(app, ids):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("moderation.") or "GET" not in rule.methods or (
                rule.endpoint in ("moderation.second_factor",  # only between the two steps
                                  "moderation.enrol")):  # a redirect to the sign-in page
            continue
        values = {"incident_id": ids["incident"], "institution_id": ids["institution"],
                  "tip_id": ids["tip"], "revision_id": ids["revision"]}
        yield rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_raw_code_on_any_moderator_page(app, session, lang):
    admin = signed_in(app, session, "alice", role="admin")
    signed_in(app, session, "bob")
    ids = everything(session)
    joined = {c for c in raw_codes() if "_" in c or "." in c}  # never a word in a sentence
    single = raw_codes() - joined  # lowercase words: none belongs on a Korean page
    pages = list(moderator_pages(app, ids))
    assert len(pages) >= 9
    for path in [*pages, "/mod/incidents?status=hidden", "/mod/queue?flag=burst"]:
        answer = admin.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert answer.status_code in (200, 409), (path, answer.status_code)
        text = visible(answer.get_data(as_text=True))
        found = {c for c in joined if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", text)}
        if lang == "ko":
            found |= {c for c in single if re.search(rf"(?<![\w/.]){c}(?![\w/.])", text)}
        assert not found, (path, lang, sorted(found))
