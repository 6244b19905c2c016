"""Login attempt limits, counted in Redis when REDIS_URL is set (shared by all gunicorn
workers) and in process memory otherwise.

Built on `limits` (the engine under Flask-Limiter) directly: one limiter per app, so
several apps in one process (tests, workers) never share or overwrite each other's
storage, which a module-level Flask-Limiter instance does.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass
class LoginRateLimit:
    enabled: bool
    storage: Storage
    per_user: RateLimitItem
    per_address: RateLimitItem
    prefix: str

    def allow(self, username: str) -> bool:
        """Count one attempt; False when either limit is already used up."""
        if not self.enabled:
            return True
        limiter = MovingWindowRateLimiter(self.storage)
        address = request.remote_addr or "unknown"
        # Per username *and* address, so one office behind a NAT cannot lock everyone out,
        # plus a looser per-address limit against spraying many usernames.
        user_ok = limiter.hit(self.per_user, self.prefix, "user", address, username.lower()[:64])
        address_ok = limiter.hit(self.per_address, self.prefix, "addr", address)
        return user_ok and address_ok


def worker_count() -> int:
    """Web worker processes serving this app, as gunicorn.conf.py (or WEB_CONCURRENCY) says."""
    for name in ("BIDDESK_WORKERS", "WEB_CONCURRENCY"):
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def init_login_rate_limit(app: Flask) -> None:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    if uri.startswith("memory://") and app.config["RATELIMIT_ENABLED"]:
        workers = worker_count()
        if app.config.get("ENV_NAME") == "production" and workers > 1:
            raise RuntimeError(
                f"Login attempts would be counted separately in each of {workers} workers: "
                "set REDIS_URL so the limit holds across them, or run one worker."
            )
        if app.config.get("ENV_NAME") == "production":
            logging.getLogger(__name__).warning(
                "Login attempts are counted in this process only (no REDIS_URL)."
            )
    app.extensions["login_rate_limit"] = LoginRateLimit(
        enabled=app.config["RATELIMIT_ENABLED"],
        storage=storage_from_string(uri),
        per_user=parse(app.config["LOGIN_RATE_LIMIT"]),
        per_address=parse(app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]),
        prefix=app.config.get("RATELIMIT_KEY_PREFIX", "biddesk-login"),
    )


def login_attempt_allowed(username: str) -> bool:
    return current_app.extensions["login_rate_limit"].allow(username)
