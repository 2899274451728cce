"""Compile the gettext catalogs (plugin/translations/*/LC_MESSAGES/messages.po → .mo) in every build.

pyproject.toml holds the metadata; this file only adds the step, so a wheel, an sdist
install and ``pip install -e .`` all get .mo files made from the .po files they ship
(docs/i18n.md#catalogs). The .mo files are never committed.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "plugin" / "translations"


def compile_catalogs() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
