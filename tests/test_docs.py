"""The documentation stands alone and stays true: what it cites exists, its example is the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugin import security

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
# "docs/wger.md#repetition-units"; also "docs/wger.md#workout-api-21, #routine-api-23-and-later".
CODE_REFERENCE = re.compile(r"docs/([\w-]+\.md)((?:#[\w-]+)(?:, #[\w-]+)*)?")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, flags=re.M)}


def code_files() -> list[Path]:
    return [p for folder in ("plugin", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]


def test_every_docs_section_a_comment_cites_exists():
    cited = 0
    for path in code_files():
        for match in CODE_REFERENCE.finditer(path.read_text(encoding="utf-8")):
            page = DOCS / match.group(1)
            assert page.is_file(), f"{path.relative_to(ROOT)} cites missing {page.name}"
            for anchor in re.findall(r"#([\w-]+)", match.group(2) or ""):
                assert anchor in anchors(page), f"{path.relative_to(ROOT)} cites {page.name}#{anchor}"
                cited += 1
    assert cited > 40  # the comments do cite sections, so this test checks something


@pytest.mark.parametrize("page", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_every_link_between_pages_resolves(page):
    for target in MARKDOWN_LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an outside address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name} links to missing {target}"
        assert ROOT in linked.parents or linked == ROOT, f"{page.name} links outside the repository"
        if anchor:
            assert anchor in anchors(linked), f"{page.name} links to {target}"


def test_nothing_points_outside_the_repository():
    outside = ("shared" + "/", "/work" + "/")
    files = [README, *DOCS.rglob("*.md"), *code_files(), *(ROOT / "tests" / "peers").iterdir()]
    for path in files:
        if path.suffix in {".py", ".md", ".sh", ".txt"}:
            text = path.read_text(encoding="utf-8")
            assert not any(marker in text for marker in outside), path.relative_to(ROOT)


def test_the_readme_is_short_and_links_into_docs():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert {"docs/architecture.md", "docs/signing.md", "docs/testing.md"} <= {
        link.partition("#")[0] for link in MARKDOWN_LINK.findall(text)
    }


def test_the_reinstall_example_is_what_the_code_computes():
    text = (DOCS / "signing.md").read_text(encoding="utf-8")
    section = text.split("## Re-install", 1)[1].split("\n## ", 1)[0]
    registration, current, new = re.findall(r"`(whsec_[A-Za-z0-9+/=]+)`", section)[:3]
    webhook_id = re.search(r"id `(msg_\w+)`", section).group(1)
    timestamp = int(re.search(r"timestamp `(\d+)`", section).group(1))
    body = re.search(r"```json\n(.*?)\n```", section, flags=re.S).group(1).encode()
    assert f'"sharedSecret": "{new}"'.encode() in body
    headers = security.sign_headers(registration, body, webhook_id=webhook_id, now=timestamp)
    headers[security.HEADER_INSTALLATION_SIGNATURE] = security.signature(current, webhook_id, timestamp, body)
    for name, value in headers.items():
        assert f"{name}: {value}\n" in section


def test_the_signing_example_is_what_the_code_computes():
    text = (DOCS / "signing.md").read_text(encoding="utf-8")
    secret, rotated = re.findall(r"`(whsec_[A-Za-z0-9+/=]+)`", text)[:2]
    webhook_id = re.search(r"id `(msg_\w+)`", text).group(1)
    timestamp = int(re.search(r"timestamp `(\d+)`", text).group(1))
    body = re.search(r"body `(\{.*?\})`", text).group(1).encode()
    headers = security.sign_headers(secret, body, webhook_id=webhook_id, now=timestamp)
    for name, value in headers.items():
        assert f"{name}: {value}\n" in text
    both = security.sign_headers([secret, rotated], body, webhook_id=webhook_id, now=timestamp)
    assert f"webhook-signature: {both['webhook-signature']}\n" in text
    # The openssl line shows the same digest.
    assert headers["webhook-signature"].removeprefix("v1,") + "\n   ```" in text
    # And it is a call the plugin accepts.
    security.verify([secret], headers, body, now=timestamp + 1)
