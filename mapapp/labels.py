"""Every code the site stores, in words: one registry for templates, forms and map.js.

A page never shows a raw code (`published`, `tips_only`, `burst_sigungu`…): templates call
label(group, code), forms build their choices from choices(group), and the map page hands
map.js the groups it needs as JSON. A code missing here shows as "—" and fails the label test.
"""

from flask_babel import lazy_gettext as _l

LABELS = {
    "incident_status": {
        "draft": _l("Draft (not public)"), "published": _l("Published"),
        "hidden": _l("Hidden pending review"), "retracted": _l("Retracted"),
    },
    "level": {
        "tips_only": _l("Tips only"), "media_reported": _l("Reported by the media"),
        "officially_confirmed": _l("Officially confirmed"),
    },
    "level_hint": {
        "tips_only": _l("Several tips were checked by two moderators, but nothing outside the "
                        "tips confirms it yet."),
        "media_reported": _l("A news report names this institution, and moderators checked it."),
        "officially_confirmed": _l("The school, the education office or the police confirmed "
                                   "it."),
    },
    "level_choice": {
        "tips_only": _l("Tips only (not confirmed elsewhere)"),
        "media_reported": _l("Reported by the media"),
        "officially_confirmed": _l("Officially confirmed (school, education office or police)"),
    },
    "exposure": {
        "named": _l("the institution is named, with its sources"),
        "counted": _l("counted in its 시/군/구 only: no name, no pin"),
    },
    "kind": {
        "elementary": _l("Elementary school"), "middle": _l("Middle school"),
        "high": _l("High school"), "special": _l("Special school"),
        "university": _l("University or college"), "other": _l("Other institution"),
    },
    "category": {
        "chatroom_sharing": _l("Deepfake images or videos shared in a chat room"),
        "threats": _l("Threats or blackmail"), "other": _l("Something else"),
    },
    "role": {
        "affected": _l("I was affected"), "witness": _l("I saw it happen"),
        "parent_teacher": _l("Parent or teacher"), "other": _l("Other"),
    },
    "report_status": {
        "pending": _l("Waiting for review"), "approved": _l("Approved"),
        "rejected": _l("Rejected"), "merged": _l("Merged"), "spam": _l("Spam"),
    },
    "reject_reason": {
        "not_verifiable": _l("Cannot be verified"),
        "not_deepfake_abuse": _l("Not deepfake abuse"), "duplicate": _l("Duplicate"),
        "wrong_institution": _l("Wrong institution"),
        "contains_abusive_content": _l("Contains abusive content"), "other": _l("Other"),
        "spam": _l("Spam"),
    },
    "flag": {
        "burst_sigungu": _l("Burst in this 시/군/구"), "burst_sido": _l("Burst in this 시/도"),
        "burst_rapid": _l("Many tips within minutes"), "source": _l("Has a public source"),
        "personal_data": _l("Personal data"),
    },
    "personal_data": {
        "phone": _l("phone number"), "email": _l("e-mail address"),
        "resident_number": _l("resident registration number"),
        "messenger": _l("messenger ID or link"), "link": _l("web address"),
    },
    "revision_action": {
        "publish": _l("Publish a new incident"), "edit": _l("Change the public entry"),
        "restore": _l("Show a hidden incident again"), "retract": _l("Retract"),
    },
    "revision_status": {
        "pending": _l("Waiting for approval"), "applied": _l("Applied"),
        "returned": _l("Sent back"), "superseded": _l("Replaced by a newer proposal"),
    },
    "correction_status": {
        "pending": _l("Received, not yet triaged"),
        "triaged": _l("Under review: the entry is hidden"),
        "accepted": _l("Accepted"), "rejected": _l("Declined"),
    },
    "correction_state": {  # what the requester reads
        "received": _l("Received. Moderators have not looked at it yet."),
        "under_review": _l("Under review. The entry is hidden while moderators check it."),
        "corrected": _l("Accepted. The entry was corrected or withdrawn."),
        "declined": _l("Declined. The entry stays as it was."),
    },
    "requester_kind": {
        "institution_staff": _l("Staff of the institution"),
        "education_office": _l("Education office"),
        "student_parent": _l("Student or parent"), "other": _l("Someone else"),
    },
    "problem": {
        "wrong_school": _l("Wrong school or institution"),
        "wrong_period": _l("Wrong period"), "not_true": _l("It is not true"),
        "privacy": _l("It reveals private information"), "other": _l("Something else"),
    },
    "history": {
        "published": _l("Published"), "level": _l("Verification level changed"),
        "period": _l("Period corrected"), "summary": _l("Summary changed"),
        "sources": _l("Sources changed"), "institution": _l("Institution corrected"),
        "hidden": _l("Hidden pending review"), "restored": _l("Shown again after review"),
        "retracted": _l("Retracted"), "correction": _l("Correction accepted"),
    },
    "field": {
        "status": _l("Status"), "institution_id": _l("Institution"),
        "level": _l("Verification level"), "summary_ko": _l("Public summary (Korean)"),
        "summary_en": _l("Public summary (English, optional)"),
        "sources": _l("Public sources"), "first_month": _l("First reported month"),
        "last_month": _l("Last reported month"), "retraction_note": _l("Public note"),
    },
    "audit_target": {
        "incident": _l("Incident"), "revision": _l("Proposed change"), "report": _l("Tip"),
        "correctionrequest": _l("Correction request"), "institution": _l("Institution"),
        "moderator": _l("Moderator"),
    },
    "moderator_role": {"moderator": _l("Moderator"), "admin": _l("Administrator")},
    "audit_action": {
        "login": _l("Signed in"), "logout": _l("Signed out"),
        "totp.enrol": _l("Enrolled an authenticator"),
        "moderator.create": _l("Created a moderator account"),
        "moderator.deactivate": _l("Deactivated a moderator account"),
        "moderator.reset_2fa": _l("Reset a moderator's authenticator"),
        "moderator.set_password": _l("Set a moderator's password"),
        "moderator.change_password": _l("Changed their own password"),
        "moderator.reset": _l("Reset a moderator's password and authenticator"),
        "moderator.choose_password": _l("Chose a new password with a set-up link"),
        "moderator.settings": _l("Changed their settings"),
        "tips.approve": _l("Approved tips"), "tips.reject": _l("Rejected tips"),
        "tips.spam": _l("Marked tips as spam"), "tips.purge": _l("Purged tip text"),
        "tip.reply": _l("Replied to a tipster"), "tip.place": _l("Placed a tip"),
        "case.claim": _l("Claimed a case"), "case.release": _l("Released a case"),
        "case.note": _l("Wrote a case note"),
        "tips.move": _l("Moved tips to another institution"),
        "institution.add": _l("Added an institution"),
        "incident.hide": _l("Hid an incident"),
        "revision.propose": _l("Proposed a change"), "revision.approve": _l("Approved a change"),
        "revision.apply": _l("Change made public"), "revision.return": _l("Sent a change back"),
        "correction.receive": _l("Correction request received"),
        "correction.triage": _l("Triaged a correction request"),
        "correction.accept": _l("Accepted a correction request"),
        "correction.decline": _l("Declined a correction request"),
    },
}


def label(group, code):
    """Return the words for a code, or "—" (never the code itself)."""
    if code in (None, ""):
        return ""
    words = LABELS[group].get(code)
    return str(words) if words is not None else "—"


def labels(group):
    """Return {code: words} for one group, as plain strings (for JSON and templates)."""
    return {code: str(words) for code, words in LABELS[group].items()}


def choices(group, codes=None):
    """Return a form's choices (WTForms SelectChoice), in the registry's order."""
    from wtforms import SelectChoice

    return [SelectChoice(code, words) for code, words in LABELS[group].items()
            if codes is None or code in codes]
