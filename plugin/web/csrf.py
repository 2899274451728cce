"""CSRF protection for the pages' forms, without a server-side session.

Signed double submit (OWASP CSRF cheat sheet): a random value in an HttpOnly,
SameSite=Lax cookie, and in each form a hidden ``csrf_token`` that is an HMAC of that
value and the form's scope under the plugin's key. Another site can neither read the
cookie nor compute the field; a request a browser marks ``Sec-Fetch-Site: cross-site``
is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, g, request

from plugin.config import secret_key
from plugin.errors import Forbidden

COOKIE = "stretchsync_csrf"
FIELD = "csrf_token"
COOKIE_MAX_AGE_S = 12 * 3600


class CsrfRefused(Forbidden):
    """A page's form came without the token this browser was given, or from another site."""


def _cookie_value() -> str:
    value = g.get("csrf_cookie") or request.cookies.get(COOKIE) or ""
    if len(value) < 32:
        value = secrets.token_urlsafe(32)
        g.csrf_new_cookie = value
    g.csrf_cookie = value
    return value


def _mac(cookie: str, scope: str) -> str:
    key = hashlib.sha256(b"stretchsync csrf|" + secret_key(current_app).encode("utf-8")).digest()
    return hmac.new(key, f"{cookie}|{scope}".encode(), hashlib.sha256).hexdigest()


def token(scope: str) -> str:
    """The hidden field's value for a form of ``scope`` (sets the cookie on this answer if needed)."""
    return _mac(_cookie_value(), scope)


def protect(scope: str) -> None:
    """Refuse a POST whose token does not match this browser's cookie and ``scope``."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise CsrfRefused("this form was sent from another site", field=FIELD)
    cookie = request.cookies.get(COOKIE) or ""
    sent = request.form.get(FIELD) or ""
    if not cookie or not hmac.compare_digest(sent.encode(), _mac(cookie, scope).encode()):
        raise CsrfRefused(
            "this form has expired or was not sent from this page; reload the page and try again",
            field=FIELD,
        )


def set_cookie(response: Response) -> Response:
    """After a page is rendered: give the browser the cookie its forms were signed for."""
    value = g.get("csrf_new_cookie")
    if value:
        response.set_cookie(
            COOKIE,
            value,
            max_age=COOKIE_MAX_AGE_S,
            path="/",
            httponly=True,
            secure=request.is_secure,
            samesite="Lax",
        )
    return response
