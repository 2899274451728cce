"""The language of a request: ``?lang=``, then the ``lang`` cookie, then Accept-Language.

Flask-Babel chooses the locale (docs/i18n.md#how-a-language-is-chosen); the chosen
language is set for the request's work through ``plugin.i18n.using``, so the pure
formats and the templates write in it. A page opened with ``?lang=`` remembers the
choice in a cookie, which is how the language switcher works without a script.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import Flask, Response, g, request, url_for
from flask_babel import Babel, get_locale

from plugin import i18n

COOKIE = "lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def requested() -> str | None:
    """``?lang=`` when it names one of our languages."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in i18n.LANGUAGES else None


def browser_language(default: str = i18n.DEFAULT) -> str:
    """The best of our languages for the request's Accept-Language."""
    return request.accept_languages.best_match(i18n.LANGUAGES) or default


def select_locale() -> str:
    """?lang=, the cookie, Accept-Language, English: in that order."""
    cookie = request.cookies.get(COOKIE, "")
    return requested() or (cookie if cookie in i18n.LANGUAGES else None) or browser_language()


# Blueprints whose answers are pages a person reads; the API's answers stay English
# (only a problem's ``detail`` and reasons follow the request: plugin.web.problems).
PAGE_BLUEPRINTS = frozenset({"pages", "connect", "apidocs"})


def request_language() -> i18n.Language:
    """The language this request asks for (?lang=, cookie, Accept-Language), pages or not."""
    code = str(get_locale() or i18n.DEFAULT)
    return i18n.language(code if code in i18n.LANGUAGES else i18n.DEFAULT)


def _enter() -> None:
    if request.blueprint in PAGE_BLUEPRINTS or request.blueprint is None:
        g.language_token = i18n.begin(request_language())


def _leave(_exc: BaseException | None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        i18n.end(token)


def _remember(response: Response) -> Response:
    if request.blueprint == "pages":
        # A page's words follow the cookie and Accept-Language: caches must keep them apart.
        response.vary.update(("Accept-Language", "Cookie"))
        chosen = requested()
        if chosen is not None:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE_S, samesite="Lax", httponly=True)
    if "language_token" in g:
        response.headers.setdefault("Content-Language", i18n.current().code)
    return response


def language_links() -> list[tuple[str, str, str]]:
    """(code, name in that language, this page's URL in it) for the language switcher."""
    endpoint = request.endpoint or "pages.catalog_page"
    values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
    return [
        (code, i18n.NATIVE_NAMES[code], url_for(endpoint, **{**values, "lang": code}))
        for code in i18n.LANGUAGES
    ]


def when(moment: datetime) -> str:
    """A local date and time as the page's language writes it: 'Mon 03 Nov, 07:00', 'Mo., 03. Nov., 07:00'."""
    return format_datetime(moment, i18n._("EEE dd MMM, HH:mm"), locale=i18n.current().locale)


def init_app(app: Flask) -> None:
    """Choose each request's language and give the templates its gettext."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", i18n.DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    # The templates read the same catalogs as the formats (plugin.i18n), .po or .mo.
    app.jinja_env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # A catalog text kept in data (a variation's name) and a sentence's first capital
    # (Jinja's capitalize would lower a German noun).
    app.jinja_env.filters["translate"] = i18n._
    app.jinja_env.filters["sentence"] = lambda text: text[:1].upper() + text[1:]
    app.jinja_env.filters["when"] = when
    app.before_request(_enter)
    app.teardown_request(_leave)
    app.after_request(_remember)
    app.context_processor(
        lambda: {
            "lang": i18n.current(),
            "language_links": language_links(),
            "languages": list(i18n.NATIVE_NAMES.items()),
        }
    )
