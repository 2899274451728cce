"""Languages: the gettext catalogs of plugin/translations and the language a text is written in.

Pure (Babel only, no Flask), so the catalog and the formats can use it: a block of
work runs in one language (``with using("de"): ...``, like Babel's own
``force_locale``) and every wording function reads it through ``current()``. The
web layer picks the language of a request with Flask-Babel and sets it here
(docs/i18n.md#how-a-language-is-chosen).

A catalog is read from its compiled ``.mo`` when that is at least as new as its
``.po`` (the build compiles every ``.mo``: docs/i18n.md#catalogs); otherwise the
``.po`` itself is read, so an edited catalog is never served stale.
"""

from __future__ import annotations

import gettext
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from plugin.errors import InvalidInput

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
DEFAULT = "en"
# English is the source language: its catalog is the code itself.
LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
# Each language in its own words, for the language switcher.
NATIVE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Language:
    """One language: its messages and its Babel locale (numbers, lists)."""

    code: str
    translations: gettext.NullTranslations
    locale: Locale

    def gettext(self, message: str) -> str:
        """``message`` in this language (itself where the catalog has no entry)."""
        return self.translations.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for ``n``, by this language's plural rule."""
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: int | float | Decimal) -> str:
        """A number with this language's decimal sign: 1.5 → '1,5' in German."""
        return format_decimal(value, locale=self.locale)

    def join(self, items: Sequence[str], style: str = "standard") -> str:
        """A list as this language joins it: 'a, b and c', 'a, b und c', 'a, b et c', 'a, b y c'."""
        items = [i for i in items if i]
        if not items:
            return ""
        return format_list(items, style=style, locale=self.locale)  # type: ignore[arg-type]


def _read_catalog(code: str) -> gettext.NullTranslations:
    folder = TRANSLATIONS_DIR / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po.exists():
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=code, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return gettext.NullTranslations()


@cache
def language(code: str) -> Language:
    """The language with this code (one of LANGUAGES); InvalidInput naming ``language`` otherwise."""
    if code not in LANGUAGES:
        raise InvalidInput(
            N_("language must be one of {languages}, not '{code}'"),
            field="language",
            values={"languages": ", ".join(LANGUAGES), "code": code},
        )
    translations = gettext.NullTranslations() if code == DEFAULT else _read_catalog(code)
    return Language(code, translations, Locale.parse(code))


def negotiate(accepted: Iterable[str]) -> str | None:
    """The first of our languages a reader accepts (tags in preference order), or None."""
    for tag in accepted:
        try:
            wanted = Locale.parse(tag.strip(), sep="-" if "-" in tag else "_")
        except (ValueError, UnknownLocaleError):
            continue
        if wanted.language in LANGUAGES:
            return wanted.language
    return None


_CURRENT: ContextVar[Language | None] = ContextVar("stretchsync_language", default=None)


def current() -> Language:
    """The language the current block of work writes in (English unless one was set)."""
    return _CURRENT.get() or language(DEFAULT)


@contextmanager
def using(lang: Language | str) -> Iterator[Language]:
    """Write in ``lang`` (a Language or a code) inside the block."""
    chosen = language(lang) if isinstance(lang, str) else lang
    token = _CURRENT.set(chosen)
    try:
        yield chosen
    finally:
        _CURRENT.reset(token)


def begin(lang: Language | str) -> Token[Language | None]:
    """Write in ``lang`` until ``end(token)``: for work whose start and end are two callbacks."""
    return _CURRENT.set(language(lang) if isinstance(lang, str) else lang)


def end(token: Token[Language | None]) -> None:
    _CURRENT.reset(token)


def _(message: str) -> str:
    """``message`` in the current language."""
    return current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language."""
    return current().ngettext(singular, plural, n)


@cache
def catalogs_fingerprint() -> str:
    """A digest of every language's .po: what a stored text written from them depends on."""
    digest = hashlib.sha256()
    for po in sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        digest.update(po.parent.parent.name.encode())
        digest.update(po.read_bytes())
    return digest.hexdigest()


# Messages filled with fixed values (limits) at import: the English text a caller raises,
# and how to write it again in another language where a person reads it.
_PHRASES: dict[str, tuple[str, dict[str, object]]] = {}


def phrase(template: str, **values: object) -> str:
    """``template`` (marked with N_) filled in English, remembered for ``in_current``."""
    english = template.format(**values)
    _PHRASES[english] = (template, values)
    return english


def in_current(message: str) -> str:
    """A message made by ``phrase``, or any catalog text, in the current language."""
    template, values = _PHRASES.get(message, (message, {}))
    text = _(template)
    return text.format(**values) if values else text
