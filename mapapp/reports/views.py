"""Tip form and receipt status. Nothing here reads the client's address or user agent."""

import hashlib
import secrets
import time
from datetime import date, timedelta

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from mapapp import proofwork
from mapapp.extensions import db, limiter
from mapapp.gazetteer import get_institution, search_institutions
from mapapp.models import Report, SpentFormToken, utcnow
from mapapp.reports import bp, receipts
from mapapp.reports.forms import StatusForm, TipForm, sido_choices, sigungu_choices
from mapapp.reports.personal_data import find_personal_data
from mapapp.spatial import write_transaction


@bp.after_request
def keep_private(response):
    """Tip pages are never cached and send no referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _started_signer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="tip-form-started")


def _new_started_token():
    """Return a signed token for a freshly opened form: a random value and the time."""
    return _started_signer().dumps(secrets.token_urlsafe(12))


def _seconds_since_start(token):
    """Return how long ago the form was opened, or None if the token is not ours."""
    try:
        _value, signed_at = _started_signer().loads(token or "", return_timestamp=True)
    except BadSignature:
        return None
    return time.time() - signed_at.timestamp()


def _spent_digest(token):
    """Return the SHA-256 kept of a token once it has carried a tip."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def _already_spent(token):
    """Tell whether this form token carried a tip before (one token, one tip)."""
    return db.session.get(SpentFormToken, _spent_digest(token)) is not None


def _spend(token):
    """Record the token as spent, dropping records older than any form can live (in the
    caller's write transaction)."""
    oldest = utcnow() - timedelta(seconds=current_app.config["WTF_CSRF_TIME_LIMIT"] or 86400)
    db.session.execute(delete(SpentFormToken).where(SpentFormToken.spent_at < oldest))
    db.session.add(SpentFormToken(token_hash=_spent_digest(token)))


def _looks_like_a_bot(form):
    """The honeypot was filled in, or the form came back faster than a person could type."""
    elapsed = _seconds_since_start(form.started.data)
    return bool(form.website.data) or elapsed is None or (
        elapsed < current_app.config["TIP_MIN_FILL_SECONDS"])


def render_form(form, status=200, query="", sido="", matches=None, pii=None):
    """Render the tip form with whatever the tipster has typed so far."""
    if not form.started.data:
        form.started.data = _new_started_token()
    chosen = get_institution(db.session, form.institution_id.data)
    return render_template("reports/form.html", form=form, query=query, search_sido=sido,
                           matches=matches, chosen=chosen, pii=pii, sido_choices=sido_choices,
                           sigungu_choices=sigungu_choices), status


def _is_search():
    return request.method == "POST" and request.form.get("action") == "search"


def _without_proof_exempt():
    return _is_search() or proofwork.has_proof()


def _with_proof_exempt():
    return _is_search() or not proofwork.has_proof()


@bp.route("", methods=["GET", "POST"])
@limiter.shared_limit(lambda: current_app.config["TIP_GLOBAL_LIMIT"], scope="tips-global",
                      key_func=lambda: "all", methods=["POST"], exempt_when=_is_search)
@limiter.shared_limit(lambda: current_app.config["TIP_RATE_LIMIT"], scope="tips",
                      methods=["POST"], exempt_when=_without_proof_exempt)
@limiter.shared_limit(lambda: current_app.config["TIP_PROOF_RATE_LIMIT"], scope="tips-proof",
                      methods=["POST"], exempt_when=_with_proof_exempt)
def tip():
    """Show the tip form (with a no-JavaScript search), or take a tip."""
    form = TipForm()
    if request.method == "GET":
        query, sido = request.args.get("q", "").strip(), request.args.get("sido", "")
        matches = search_institutions(db.session, query, sido) if query else None
        return render_form(form, query=query, sido=sido, matches=matches)
    if _is_search():
        query, sido = request.form.get("q", "").strip(), request.form.get("search_sido", "")
        matches = search_institutions(db.session, query, sido) if query else []
        return render_form(form, query=query, sido=sido, matches=matches)
    if _looks_like_a_bot(form):
        return render_template("reports/receipt.html", code=receipts.grouped(receipts.new_code()))
    if form.institution_id.data and get_institution(db.session, form.institution_id.data) is None:
        form.institution_id.data = None
    if not form.validate():
        return render_form(form, status=400)
    flags = find_personal_data(form.description.data)
    if flags and not form.pii_ack.data:
        form.pii_ack.data = "1"
        return render_form(form, pii=flags)
    try:
        if _already_spent(form.started.data):
            return _render_sent_before(form)
        code = save_tip(form, flags)
    except IntegrityError:  # the same token raced another request and lost
        db.session.rollback()
        return _render_sent_before(form)
    except (OperationalError, InterfaceError):
        db.session.rollback()
        current_app.logger.warning("tip not saved: database unavailable")
        return render_template("reports/unavailable.html", form=form), 503
    return render_template("reports/receipt.html", code=receipts.grouped(code))


@bp.get("/challenge")
@limiter.limit(lambda: current_app.config["POW_CHALLENGE_RATE_LIMIT"])
def challenge():
    """A fresh proof-of-work challenge for the tip and correction forms (JSON, never cached).
    Its difficulty follows the recent intake of tips."""
    if not current_app.config["POW_ENABLED"]:
        abort(404)
    return proofwork.new_challenge()


@bp.post("/receipt")
def receipt():
    """The receipt again, in the language chosen on it: its language links post the code back
    (a link would open the empty form, and the code is shown only once). Nothing is looked up
    or stored; a code that is not 16 digits is refused."""
    code = receipts.normalise(request.form.get("code"))
    if code is None:
        abort(400)
    return render_template("reports/receipt.html", code=receipts.grouped(code))


def _render_sent_before(form):
    """A form whose token carried a tip already: keep the text, give a new token, explain."""
    form.started.data = None
    form.form_errors.append(_("This form was sent once already: if you saw a receipt code, "
                              "that tip has arrived. To send this as a new tip, press "
                              "“Send the tip” again."))
    return render_form(form, status=409)


def save_tip(form, flags):
    """Store the tip and return its receipt code (shown once, kept only as a hash); the
    form's token is spent in the same transaction."""
    institution_id = form.institution_id.data
    code, lookup, hashed = receipts.new_receipt()  # hashed before the write lock is taken
    with write_transaction(db.session):
        _spend(form.started.data)
        proofwork.spend(db.session)
        db.session.flush()  # a token spent meanwhile fails here, before the tip is added
        while receipts.lookup_taken(db.session, lookup):
            code, lookup, hashed = receipts.new_receipt()
        db.session.add(tip_from_form(form, get_institution(db.session, institution_id),
                                     flags, lookup, hashed))
    return code


def tip_from_form(form, institution, flags, lookup, hashed):
    """Build the Report row from a validated form."""
    return Report(
        institution_id=institution.id if institution else None,
        institution_text=None if institution else form.institution_text.data.strip(),
        sido_code=institution.sido_code if institution else form.sido_code.data,
        sigungu_code=(institution.sigungu_code if institution else form.sigungu_code.data) or None,
        occurred_month=date(int(form.occurred_year.data), int(form.occurred_month.data), 1),
        occurred_approximate=form.occurred_approximate.data,
        category=form.category.data,
        tipster_role=form.tipster_role.data or None,
        description=form.description.data.strip(),
        source_url=(form.source_url.data or "").strip() or None,
        personal_data_flags=flags,
        receipt_lookup=lookup,
        receipt_hash=hashed,
    )


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STATUS_RATE_LIMIT"], methods=["POST"])
def status():
    """Let the holder of a receipt code see what became of the tip."""
    form = StatusForm()
    if request.method == "GET" or not form.validate():
        return render_template("reports/status.html", form=form), 200 if (
            request.method == "GET") else 400
    code = receipts.normalise(form.code.data)
    report = receipts.find(db.session, code) if code else None
    if report is None:
        form.code.errors.append(_("No tip matches this code. Check the 16 digits and try again."))
        return render_template("reports/status.html", form=form), 404
    return render_template("reports/status.html", form=form, report=report,
                           state=receipts.public_status(db.session, report))
