"""Telling moderators that work waits, without carrying tips into mailboxes.

`flask notify` (every few minutes: deploy/mapapp-notify.timer) sends
- an alert at once, by e-mail to moderators who asked for alerts and to the team's webhook,
  for a burst of tips in an area (the 2024 Sejong pattern) and for correction requests whose
  triage deadline is near;
- a digest to each moderator who chose one, at their interval.
Messages hold counts, region names and links only: never tip text, never the name of an
institution with pending tips (a mailbox is a weaker place than the server). Each message is
recorded once delivered, per recipient; one that fails is retried at the next run, and the
failure is logged without any address.
"""

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.request
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import delete, func, select

from geodata.regions import region_names, sigungu_names
from mapapp.models import CorrectionRequest, Moderator, NoticeSent, Report, utcnow
from mapapp.urls import external_url
from moderation.queue import find_bursts


def mail_configured():
    """Tell whether an SMTP server is configured (otherwise e-mail is off)."""
    return bool(current_app.config["MAIL_SERVER"])


def _sido(code):
    return region_names()[0].get(code, (code, code))[0]


def burst_alerts(session, now):
    """[(key, subject, text)] for areas with a burst of pending tips, one a day per area."""
    bursts, day = find_bursts(session), now.date().isoformat()
    names = sigungu_names()
    areas = {f"시/군/구 {names.get(code, code)}": code
             for code in bursts.sigungu | bursts.rapid_sigungu}
    areas |= {f"시/도 {_sido(code)}": code for code in bursts.sido}
    if bursts.rapid_institutions:
        sidos = session.scalars(select(Report.sido_code).distinct().where(
            Report.institution_id.in_(bursts.rapid_institutions))).all()
        areas |= {f"여러 제보가 몰린 기관 (시/도 {_sido(code)})": f"rapid-{code}" for code in sidos}
    link = external_url("moderation.queue", flag="burst")
    return [(f"burst:{code}:{day}", "버스트 경보 / Burst of tips",
             f"{area}: 짧은 시간에 제보가 몰렸습니다. 2024년 허위 명단과 같은 패턴일 수 있으니 "
             f"먼저, 신중히 확인하세요.\nA burst of tips arrived in {area}. Check it first "
             f"and with care.\n{link}") for area, code in sorted(areas.items())]


def deadline_alerts(session, now):
    """[(key, subject, text)] for correction requests whose triage deadline is near."""
    config = current_app.config
    soon = now + timedelta(hours=config["NOTIFY_DEADLINE_HOURS"])
    created_before = soon - timedelta(hours=config["CORRECTION_TRIAGE_HOURS"])
    requests = session.scalars(select(CorrectionRequest).where(
        CorrectionRequest.status == "pending",
        CorrectionRequest.created_at <= created_before)).all()
    link = external_url("moderation.corrections_queue")
    alerts = []
    for item in requests:
        due = item.created_at + timedelta(hours=config["CORRECTION_TRIAGE_HOURS"])
        hours = max(0, int((due - now).total_seconds() // 3600))
        alerts.append((f"deadline:{item.id}", "정정 요청 마감 / Correction deadline",
                       f"정정 요청 1건이 약 {hours}시간 뒤 마감됩니다. 그때까지 분류하지 않으면 "
                       f"해당 항목이 자동으로 숨겨집니다.\nA correction request reaches its "
                       f"triage deadline in about {hours} hours; untriaged, its entry is "
                       f"hidden by itself.\n{link}"))
    return alerts


def digest_text(session):
    """A digest: pending tips by 시/도, cases, correction requests; counts and links only."""
    by_sido = session.execute(select(Report.sido_code, func.count()).where(
        Report.status == "pending").group_by(Report.sido_code).order_by(func.count().desc())
    ).all()
    cases = session.scalar(select(func.count(func.distinct(Report.institution_id))).where(
        Report.status == "pending"))
    corrections = session.scalar(select(func.count()).select_from(CorrectionRequest).where(
        CorrectionRequest.status == "pending"))
    total = sum(n for _, n in by_sido)
    lines = [f"검토 대기 제보 {total}건 (기관 {cases}곳) / {total} pending tips in {cases} cases",
             *(f"  {_sido(code)}: {n}" for code, n in by_sido),
             f"분류 대기 정정 요청 {corrections}건 / {corrections} correction requests to triage",
             external_url("moderation.queue"), external_url("moderation.corrections_queue")]
    return total + corrections, "\n".join(lines)


def send_mail(to, subject, text):
    """Send one plain-text message through the configured SMTP server."""
    config = current_app.config
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    message.set_content(text + "\n\n-- \n" + "이 알림은 /mod/settings 에서 끌 수 있습니다. / "
                        "Turn these off in /mod/settings.")
    smtp = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as server:
        if config["MAIL_USE_TLS"]:
            server.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        server.send_message(message)


def post_webhook(kind, text):
    """POST the alert as JSON to the team's webhook, signed with HMAC-SHA256."""
    config = current_app.config
    body = json.dumps({"kind": kind, "text": text}, ensure_ascii=False).encode()
    signature = hmac.new(config["NOTIFY_WEBHOOK_SECRET"].encode(), body,
                         hashlib.sha256).hexdigest()
    request = urllib.request.Request(config["NOTIFY_WEBHOOK_URL"], data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Mapapp-Signature": f"sha256={signature}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our setting)
        answer.read()


def _deliver(session, key, channel, send):
    """Send once per key and channel; record it only when delivered. Return True if sent."""
    mark = f"{key}|{channel}"[:200]
    if session.get(NoticeSent, mark) is not None:
        return False
    try:
        send()
    except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, rejected
        current_app.logger.warning("notifications: %s delivery failed (%s); retried at the "
                                   "next run", channel.split(":")[0], type(exc).__name__)
        return False
    session.add(NoticeSent(key=mark))
    session.commit()
    return True


def run(session, now=None):
    """Send what is due; return how many messages went out."""
    now, config, sent = now or utcnow(), current_app.config, 0
    session.execute(delete(NoticeSent).where(NoticeSent.sent_at < now - timedelta(days=30)))
    session.commit()
    alerts = burst_alerts(session, now) + deadline_alerts(session, now)
    watchers = session.scalars(select(Moderator).where(
        Moderator.active.is_(True), Moderator.notify_email.is_not(None))).all()
    for key, subject, text in alerts:
        if config["NOTIFY_WEBHOOK_URL"]:
            sent += _deliver(session, key, "webhook",
                             lambda k=key, t=text: post_webhook(k.split(":")[0], t))
        if mail_configured():
            for person in watchers:
                if person.notify_alerts:
                    sent += _deliver(session, key, f"mail:{person.id}",
                                     lambda p=person, s=subject, t=text: send_mail(
                                         p.notify_email, s, t))
    if mail_configured():
        digest = None  # the same counts for everyone: read once, when a digest is due
        for person in watchers:
            due = person.digest_hours and (person.last_digest_at is None or (
                person.last_digest_at <= now - timedelta(hours=person.digest_hours)))
            if not due:
                continue
            digest = digest or digest_text(session)
            waiting, text = digest
            if not waiting:
                continue
            # One per period: the key names the digest this one follows.
            key = f"digest:{person.id}:after:{person.last_digest_at or 'none'}"
            if _deliver(session, key, f"mail:{person.id}", lambda p=person, t=text: send_mail(
                    p.notify_email, "검토 요약 / Moderation digest", t)):
                person.last_digest_at = now
                session.commit()
                sent += 1
    return sent
