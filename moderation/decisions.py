"""What moderators decide about tips and incidents; every decision is audited.

Call these inside spatial.write_transaction(); they change rows and append audit events.
"""

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mapapp import audit, publishing
from mapapp.models import Incident, utcnow
from moderation import revisions

REJECT_REASONS = ("not_verifiable", "not_deepfake_abuse", "duplicate", "wrong_institution",
                  "contains_abusive_content", "other")


DecisionError = revisions.RevisionError  # one kind of refusal, shown in the user's language


def lock_tips(session, moderator, tips):
    """Hold the tips for this moderator; refuse if another moderator holds any of them."""
    now = utcnow()
    for tip in tips:
        if tip.locked_by_id not in (None, moderator.id) and tip.locked_until and (
                tip.locked_until > now):
            raise DecisionError(_l("another moderator is reviewing these tips"))
    until = now + timedelta(minutes=current_app.config["REVIEW_LOCK_MINUTES"])
    for tip in tips:
        tip.locked_by_id, tip.locked_until = moderator.id, until


def _close(tips, moderator, status, reason=None, incident=None):
    now = utcnow()
    for tip in tips:
        tip.status, tip.decided_at, tip.decided_by_id = status, now, moderator.id
        tip.decision_reason, tip.locked_by_id, tip.locked_until = reason, None, None
        if incident is not None:
            tip.incident_id = incident.id


def approve(session, moderator, institution, tips, values, basis):
    """Attach the tips to the institution's incident and propose its public version.

    `values` holds the public fields from the decision form (level, summaries, sources,
    period). A new incident stays a draft, invisible, until the proposal is approved; tips
    that change nothing public attach without a proposal.
    """
    if not tips:
        raise DecisionError(_l("there are no pending tips here any more"))
    if not (basis or "").strip():
        raise DecisionError(_l("state the basis of the verification"))
    if not (values.get("summary_ko") or "").strip():
        raise DecisionError(_l("write the public summary (Korean)"))
    incident = session.scalar(select(Incident).where(
        Incident.institution_id == institution.id,
        Incident.status.in_(("draft", "published", "hidden"))).order_by(Incident.id.desc())
        .limit(1))
    months = sorted(t.occurred_month.strftime("%Y-%m") for t in tips)
    if incident is None:
        incident = Incident(institution_id=institution.id, status="draft",
                            first_reported_month=tips[0].occurred_month,
                            last_reported_month=tips[0].occurred_month, report_count=0)
        session.add(incident)
        session.flush()
    current = publishing.public_version(incident)
    proposed = proposal(incident, **values)
    if months:  # the period covers every tip behind it
        proposed["first_month"] = min(proposed["first_month"], months[0])
        proposed["last_month"] = max(proposed["last_month"], months[-1])
    if current["status"] == "draft":
        proposed["status"] = "published"
    _close(tips, moderator, "approved", incident=incident)
    incident.report_count += len(tips)
    audit.record(session, moderator, "tips.approve", incident, reason=basis.strip(),
                 tips=[t.id for t in tips])
    if proposed != current:
        action = "publish" if current["status"] == "draft" else "edit"
        revisions.propose(session, moderator, incident, action, proposed, basis,
                          tip_ids=[t.id for t in tips])
    return incident


def proposal(incident, **changes):
    """Return the incident's public version with the given fields changed (blank = unchanged
    for the level and period; summaries and sources take what was given)."""
    version = publishing.public_version(incident)
    for key, value in changes.items():
        if key in ("summary_ko", "summary_en"):
            version[key] = (value or "").strip()
        elif key == "sources":
            version[key] = list(value or [])
        elif value not in (None, ""):
            version[key] = value
    if version["first_month"] and version["last_month"] < version["first_month"]:
        raise DecisionError(_l("the period ends before it starts"))
    return version


def reject(session, moderator, tips, reason, note=None):
    """Close the tips as not published, with a reason from the list."""
    if reason not in REJECT_REASONS:
        raise DecisionError(_l("choose a reason from the list"))
    _close(tips, moderator, "rejected", reason=reason)
    audit.record(session, moderator, "tips.reject", reason=reason, tips=[t.id for t in tips],
                 note=note)


def mark_spam(session, moderator, tips):
    """Close the tips as spam (the tipster sees 'not published')."""
    _close(tips, moderator, "spam", reason="spam")
    audit.record(session, moderator, "tips.spam", tips=[t.id for t in tips])


def reply(session, moderator, tip, text):
    """Leave a short reply that the tipster reads with the receipt code."""
    tip.reply = (text or "").strip()[:500] or None
    audit.record(session, moderator, "tip.reply", tip)



def hide(session, moderator, incident, reason):
    """Take a published incident off the public site pending review (one moderator may)."""
    if incident.status != "published":
        raise DecisionError(_l("only a published incident can be hidden"))
    if not (reason or "").strip():
        raise DecisionError(_l("say why it is hidden"))
    publishing.hide(session, moderator, incident, reason)


def propose_restore(session, moderator, incident, basis, correction_id=None):
    """Propose to show a hidden incident again (needs the full approvals)."""
    if incident.status != "hidden":
        raise DecisionError(_l("only a hidden incident can be restored"))
    return revisions.propose(session, moderator, incident, "restore",
                             proposal(incident, status="published"), basis,
                             correction_id=correction_id)


def propose_retract(session, moderator, incident, note, basis=None, correction_id=None):
    """Propose to withdraw an incident for good, with a public note."""
    if incident.status not in ("published", "hidden"):
        raise DecisionError(_l("only a published or hidden incident can be retracted"))
    if not (note or "").strip():
        raise DecisionError(_l("write the public note"))
    return revisions.propose(session, moderator, incident, "retract",
                             proposal(incident, status="retracted",
                                      retraction_note=note.strip()),
                             basis or note, correction_id=correction_id)


def propose_edit(session, moderator, incident, values, basis, correction_id=None):
    """Propose new public text, level, sources, period or institution for an incident."""
    if incident.status not in ("published", "hidden"):
        raise DecisionError(_l("only a published or hidden incident can be edited"))
    if not (values.get("summary_ko") or "").strip():
        raise DecisionError(_l("write the public summary (Korean)"))
    return revisions.propose(session, moderator, incident, "edit", proposal(incident, **values),
                             basis, correction_id=correction_id)


def file_under(tip, institution):
    """Put a tip in an institution's group, with that institution's regions."""
    tip.institution_id = institution.id
    tip.sido_code, tip.sigungu_code = institution.sido_code, institution.sigungu_code


def place_tip(session, moderator, tip, institution):
    """Attach a tip that named an unlisted place to a gazetteer institution."""
    file_under(tip, institution)
    audit.record(session, moderator, "tip.place", tip, institution=institution.id)


def add_institution(session, moderator, name, kind, sigungu_code, lon=None, lat=None):
    """Add an institution the gazetteer lacks, where the moderator put it on the map.

    Without a point it goes to its 시/군/구's inside point, marked approximate. A point must lie
    inside the chosen 시/군/구.
    """
    from mapapp.models import INSTITUTION_KINDS, Institution, Region
    from mapapp.spatial import contains_point, valid_korea_point

    region = session.scalar(select(Region).where(Region.code == sigungu_code,
                                                 Region.level == 2))
    if region is None or not (name or "").strip():
        raise DecisionError(_l("give the name and the 시/군/구"))
    if kind not in INSTITUTION_KINDS:
        raise DecisionError(_l("choose a kind from the list"))
    if (lon is None) != (lat is None):
        raise DecisionError(_l("give both longitude and latitude, or neither"))
    if lon is not None:
        inside = valid_korea_point(lon, lat) and session.scalar(
            select(Region.id).where(Region.id == region.id,
                                    contains_point(session, Region.geom, lon, lat)))
        if not inside:
            raise DecisionError(_l("that point is not inside the chosen 시/군/구"))
    institution = Institution(source="moderator", source_id=secrets.token_hex(8),
                              name_ko=name.strip()[:200], kind=kind, sido_code=region.parent_code,
                              sigungu_code=region.code)
    if lon is None:
        institution.place(region.label_lon, region.label_lat, approximate=True)
    else:
        institution.place(lon, lat)
    session.add(institution)
    session.flush()  # romanized and searchable at once (mapapp/textsearch.py)
    audit.record(session, moderator, "institution.add", institution, name=institution.name_ko)
    return institution
