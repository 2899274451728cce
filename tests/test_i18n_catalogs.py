"""The gettext catalogs: complete, current, nothing fuzzy, placeholders kept (docs/i18n.md#catalogs)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from plugin import i18n

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]
PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![rs])?\}|%\([a-z_]+\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """What `pybabel extract` finds in the code and templates now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fp:
        return {m.id: m for m in read_po(fp) if m.id}


def catalog(code: str):
    with (i18n.TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=code)


def test_code_marks_messages(extracted) -> None:
    assert "Contraindication" in extracted
    assert (
        "With sciatica, wait until the inflammation has settled before you stretch the hamstrings."
        in extracted
    )
    assert "Read this first" in extracted  # from a template


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_message_is_missing_from_the_catalog(extracted, code: str) -> None:
    have = {m.id for m in catalog(code) if m.id}
    missing = [str(mid) for mid in extracted if mid not in have]
    assert missing == [], f"{code}: run pybabel update and translate {missing[:5]}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(code: str) -> None:
    for message in catalog(code):
        if not message.id:
            continue
        assert not message.fuzzy, f"{code}: fuzzy {message.id!r}"
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        assert forms and all(forms), f"{code}: untranslated {message.id!r}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_every_placeholder(code: str) -> None:
    for message in catalog(code):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple | list) else (message.id,)
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(source))))
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for form in forms:
            assert sorted(set(PLACEHOLDER.findall(form))) == wanted, f"{code}: {message.id!r} → {form!r}"


def test_a_language_reads_its_catalog() -> None:
    assert i18n.language("de").gettext("Contraindication") == "Kontraindikation"
    assert i18n.language("fr").gettext("Contraindication") == "Contre-indication"
    assert i18n.language("es").gettext("Contraindication") == "Contraindicación"
    assert i18n.language("de").number(1.5) == "1,5"
    assert i18n.language("fr").join(["a", "b", "c"]) == "a, b et c"


def test_negotiation_picks_our_languages() -> None:
    assert i18n.negotiate(["de-CH", "en"]) == "de"
    assert i18n.negotiate(["it", "es-MX"]) == "es"
    assert i18n.negotiate(["it"]) is None
