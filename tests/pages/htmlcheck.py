"""A strict check of the pages' HTML: html5lib's conformance errors, plus our own rules.

html5lib (strict) reports what the HTML5 parsing algorithm calls a parse error.
That algorithm forgives a lot (a missing </p> or </li> is legal HTML), so a small
html.parser-based pass also insists on an explicit end tag for every non-void
element, matching nesting, unique ids, and a <label for=…> for every form field.
"""

from __future__ import annotations

from html.parser import HTMLParser

import html5lib

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
# Inside <svg> an element may close itself (<rect/>), as XML allows.
FOREIGN_ROOTS = {"svg", "math"}


class _Strict(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, str | None, int]] = []

    def _line(self) -> int:
        return self.getpos()[0]

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        element_id = values.get("id")
        if element_id is not None:
            if element_id in self.ids:
                self.problems.append(f"line {self._line()}: duplicate id {element_id!r}")
            self.ids.add(element_id)
        if tag == "label" and values.get("for"):
            self.label_for.add(values["for"] or "")
        if tag in ("select", "textarea") or (
            tag == "input" and (values.get("type") or "text").lower() not in UNLABELLED_INPUT_TYPES
        ):
            self.fields.append((tag, element_id, self._line()))

    def _in_foreign(self) -> bool:
        return any(tag in FOREIGN_ROOTS for tag, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self._line()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID and not self._in_foreign():
            self.problems.append(
                f"line {self._line()}: <{tag}/> is not a void element; close it with </{tag}>"
            )

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"line {self._line()}: end tag </{tag}> for a void element")
            return
        if not self.stack:
            self.problems.append(f"line {self._line()}: </{tag}> closes nothing")
            return
        open_tag, opened_at = self.stack[-1]
        if open_tag != tag:
            self.problems.append(
                f"line {self._line()}: </{tag}> does not match <{open_tag}> opened on line {opened_at}"
            )
            # Recover like a reader would: drop back to the matching element if there is one.
            names = [name for name, _ in self.stack]
            if tag in names:
                del self.stack[len(names) - 1 - names[::-1].index(tag) :]
            return
        self.stack.pop()

    def finish(self) -> list[str]:
        self.close()
        for tag, line in self.stack:
            self.problems.append(f"line {line}: <{tag}> is never closed")
        for tag, element_id, line in self.fields:
            if not element_id:
                self.problems.append(f"line {line}: <{tag}> has no id, so no <label for> can name it")
            elif element_id not in self.label_for:
                self.problems.append(
                    f"line {line}: <{tag} id={element_id!r}> has no <label for={element_id!r}>"
                )
        return self.problems


def html_problems(markup: str) -> list[str]:
    """Every problem found in ``markup``; an empty list means the page passes."""
    problems: list[str] = []
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(markup)
    except html5lib.html5parser.ParseError as err:
        problems.append(f"html5lib: {err}")
    checker = _Strict()
    checker.feed(markup)
    problems += checker.finish()
    return problems


def assert_valid_html(markup: str) -> None:
    """Fail with every problem listed when ``markup`` is not clean HTML."""
    problems = html_problems(markup)
    assert not problems, "invalid HTML:\n" + "\n".join(problems)
