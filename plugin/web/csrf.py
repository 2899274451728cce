"""CSRF protection for forms that change something, without scripts: a signed double-submit cookie.

The page sets a random cookie (HttpOnly, SameSite=Lax) and puts an HMAC of it and the
form's scope in a hidden field; a POST is accepted only when the field matches the
cookie it came with. The scope is the form page's path (the Mark-as-done page posts to
itself), or a name the page gives (the management page's forms post to several paths).
Another site can neither read the cookie nor the field, a browser does not send a Lax
cookie with a cross-site POST, and a POST the browser marks ``Sec-Fetch-Site:
cross-site`` is refused outright (docs/pages.md#mark-as-done,
docs/pages.md#connect-your-tracker).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import Response, current_app, g, request
from werkzeug.datastructures import MultiDict

from plugin.config import secret_key
from plugin.errors import Forbidden
from plugin.i18n import N_
from plugin.services import done_links

COOKIE = "stretchsync_form"
FIELD = "csrf_token"
_COOKIE_BYTES = 32


def _keys() -> tuple[bytes, ...]:
    return done_links.keys_from(secret_key(current_app), done_links.CSRF_PURPOSE)


def _mac(key: bytes, cookie: str, scope: str) -> str:
    mac = hmac.new(key, f"{cookie}\n{scope}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _cookie() -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if 40 <= len(value) <= 64 else None


def form_token(scope: str | None = None) -> str:
    """The hidden field's value for a form of ``scope`` (default: one that posts to this path)."""
    cookie = _cookie() or g.get("csrf_new_cookie")
    if cookie is None:
        cookie = g.csrf_new_cookie = secrets.token_urlsafe(_COOKIE_BYTES)
    return _mac(_keys()[0], cookie, request.path if scope is None else scope)


def set_cookie(response: Response, path: str) -> Response:
    """Send the cookie ``form_token`` made up, if it made one; scoped to ``path``."""
    new = g.get("csrf_new_cookie")
    if new:
        response.set_cookie(COOKIE, new, path=path, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def check(form: MultiDict, scope: str | None = None) -> None:
    """Refuse a POST whose hidden field does not match its cookie: Forbidden naming ``csrf_token``."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden(N_("this form was sent from another site"), field=FIELD)
    cookie, given = _cookie(), form.get(FIELD, "")
    if cookie is not None and given:
        for key in _keys():
            expected = _mac(key, cookie, request.path if scope is None else scope)
            if hmac.compare_digest(expected.encode(), given.encode()):
                return
    raise Forbidden(
        N_("this form has expired or was sent from another site; open the page again and send it from there"),
        field=FIELD,
    )
