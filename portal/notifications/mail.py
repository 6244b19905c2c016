"""The e-mail copy of a notification, when MAIL_URL names an SMTP server.

The message is written while the event's transaction is open (in the recipient's language,
with absolute links), kept on the session, and handed on only after the commit: a rolled
back event sends nothing. Sending happens outside the web request: on RQ's "mail" queue
when REDIS_URL is set (`rq worker pdf mail`), else on one background thread of the web
process. A failed send is logged and retried (MAIL_RETRY_DELAYS seconds apart); it never
fails the request that caused it.

MAIL_URL: smtp://user:pass@host:port (plain), smtp+starttls://… (STARTTLS, port 587 by
default) or smtps://… (TLS from the start, port 465 by default); MAIL_FROM is the sender.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("portal.notifications.mail")

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SMTP_TIMEOUT = 15  # seconds per connection attempt


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def parse_mail_url(url: str) -> SmtpServer:
    """smtp[+starttls|s]://[user[:password]@]host[:port]; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError("MAIL_URL must be smtp://, smtp+starttls:// or smtps://host[:port]")
    return SmtpServer(
        parts.scheme,
        parts.hostname,
        parts.port or SCHEMES[parts.scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def deliver(mail_url: str, message: dict) -> None:
    """Send one message ({"from", "to", "subject", "body"}); raises when it was not sent
    (RQ retries the job; the local thread retries the call). No app or database needed."""
    server = parse_mail_url(mail_url)
    email = EmailMessage()
    email["From"] = message["from"]
    email["To"] = message["to"]
    email["Subject"] = message["subject"]
    email.set_content(message["body"])
    if server.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(
            server.host, server.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
    with smtp:
        if server.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if server.username:
            smtp.login(server.username, server.password or "")
        smtp.send_message(email)


# --- written in the transaction, handed on after the commit ----------


def send_after_commit(item, user) -> None:
    """Write the e-mail of a new inbox item for `user`, to be sent once the transaction
    commits; nothing when mail is not configured, the user has no address or turned
    e-mails off, or there is no request to take the portal's address from."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from portal.extensions import db
    from portal.notifications.events import describe, excerpt, target_url

    mail_url = current_app.config.get("MAIL_URL")
    if not mail_url or not user.email or not user.email_notifications:
        return
    if not has_request_context():
        return
    with force_locale(user.locale or "en"):
        sentence = describe(item)
        words = excerpt(item)
        link = target_url(item, _external=True)
        from flask import url_for

        settings = url_for("notifications.settings", _external=True)
        body = "\n\n".join(
            part
            for part in (
                sentence,
                "> " + words.replace("\n", "\n> ") if words else "",
                _("Open it: %(link)s", link=link),
                "-- \n"
                + _(
                    "You receive these e-mails from the Bid Desk. "
                    "Turn them off in your settings: %(link)s",
                    link=settings,
                ),
            )
            if part
        )
        subject = _("Bid Desk: %(what)s", what=sentence)
    db.session.info.setdefault("notification_mail", []).append(
        {
            "from": current_app.config.get("MAIL_FROM") or "Bid Desk <bid-desk@localhost>",
            "to": user.email,
            "subject": " ".join(subject.split())[:200],  # one header line, whatever was typed
            "body": body,
        }
    )


@event.listens_for(Session, "after_commit")
def _hand_on(session: Session) -> None:
    messages = session.info.pop("notification_mail", None)
    if not messages:
        return
    for message in messages:
        try:
            dispatch(message)
        except Exception:  # noqa: BLE001 (a mail problem never fails the request)
            log.exception("notification e-mail to %s could not be queued", message["to"])


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("notification_mail", None)


def dispatch(message: dict) -> None:
    """Queue one message: RQ's "mail" queue with REDIS_URL, else the local thread."""
    config = current_app.config
    mail_url = config["MAIL_URL"]
    delays = tuple(config.get("MAIL_RETRY_DELAYS") or (30, 120, 600))
    if config.get("REDIS_URL"):
        try:
            from redis import Redis
            from rq import Queue, Retry

            Queue(
                config.get("MAIL_RQ_QUEUE", "mail"), connection=Redis.from_url(config["REDIS_URL"])
            ).enqueue(  # fmt: skip
                deliver,
                mail_url,
                message,
                retry=Retry(max=len(delays), interval=list(delays)),
                job_timeout=SMTP_TIMEOUT * 4,
            )
            return
        except Exception:  # noqa: BLE001
            log.warning("Redis unreachable: the notification e-mail is sent by this process")
    local_outbox().put(mail_url, message, delays)


# --- the background thread (no REDIS_URL) ----------


class LocalOutbox:
    """One daemon thread per process sending queued messages in order, retrying each."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, mail_url: str, message: dict, delays: tuple) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="notification-mail", daemon=True
                )
                self._thread.start()
        self._queue.put((mail_url, message, delays))

    def join(self, timeout: float = 10) -> bool:
        """Wait until every queued message was sent or given up (tests, shutdown)."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.02)
        return not self._queue.unfinished_tasks

    def _run(self) -> None:
        while True:
            mail_url, message, delays = self._queue.get()
            try:
                for attempt in range(len(delays) + 1):
                    try:
                        deliver(mail_url, message)
                        break
                    except Exception as error:  # noqa: BLE001
                        if attempt == len(delays):
                            log.error(
                                "notification e-mail to %s not sent after %d attempts: %s",
                                message["to"],
                                attempt + 1,
                                error,
                            )
                        else:
                            log.warning(
                                "notification e-mail to %s failed (%s); retrying in %ss",
                                message["to"],
                                error,
                                delays[attempt],
                            )
                            time.sleep(delays[attempt])
            finally:
                self._queue.task_done()


_outbox = LocalOutbox()


def local_outbox() -> LocalOutbox:
    return _outbox
