"""Download headers: a Content-Disposition every browser reads the same way (RFC 6266).

A file name outside ASCII goes into ``filename*`` (RFC 8187 UTF-8 encoding); beside it an
ASCII ``filename`` for clients that read only that one, transliterated ("ü" → "ue"), never
with its letters dropped ("Dehnübungen" must not become "dehn-bungen").
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Letters NFKD does not split into a base letter and a mark, or that German writes out.
_SPELLED_OUT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_fallback(filename: str) -> str:
    """``filename`` in ASCII letters, digits, '.', '_' and '-': spelled out, accents dropped."""
    spelled = unicodedata.normalize("NFKD", filename.translate(_SPELLED_OUT))
    plain = "".join(c for c in spelled if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    stem, dot, extension = _UNSAFE.sub("-", plain).rpartition(".")
    if not dot:
        return stem or "download"
    return f"{re.sub('-+', '-', stem).strip('-') or 'download'}.{extension}"


def attachment(filename: str) -> str:
    """The Content-Disposition of a download named ``filename`` (any Unicode)."""
    fallback = ascii_fallback(filename)
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    # RFC 6266 §4.3: filename* wins where understood; it comes after filename for old parsers.
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
