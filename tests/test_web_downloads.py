"""Download names: the ASCII fallback beside RFC 6266's filename*."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from plugin.web.downloads import ascii_fallback, attachment


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("dehnübungen-täglich.ics", "dehnuebungen-taeglich.ics"),
        ("straße.ics", "strasse.ics"),
        ("crème-brûlée.ics", "creme-brulee.ics"),
        ("łódź.ics", "lodz.ics"),
        ("日本.ics", "download.ics"),  # nothing Latin left: a name all the same
        ("desk-break.hevy.json", "desk-break.hevy.json"),
    ],
)
def test_the_fallback_spells_letters_out_instead_of_dropping_them(name, fallback):
    assert ascii_fallback(name) == fallback


def test_an_ascii_name_gets_filename_alone():
    assert attachment("desk-break.csv") == 'attachment; filename="desk-break.csv"'


@pytest.mark.parametrize("name", ["dehnübungen-täglich.ics", "日本.ics", 'a "quoted"; name.ics'])
def test_any_name_reads_back_whole_and_the_header_stays_ascii(name):
    header = attachment(name)
    assert header.isascii()
    _, params = parse_options_header(header)
    assert params["filename"] == name
