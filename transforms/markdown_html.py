"""Markdown bodies to HTML with markdown-it-py, a CommonMark-compliant parser.

Why markdown-it-py (``bench/markdown_parsers.py``, side by side on the Markdown fixtures
and the families' Markdown-bodied posts): all three candidates gave the same records
(exact paragraphs on 29 of 37 records, text F1 0.982, no Markdown left); mistune 3.4
was 1.3x faster, cmark-gfm (C) 15x faster. markdown-it-py runs the CommonMark spec as
its test suite (mistune does not claim compliance), is maintained by Executable Books,
ships GitHub's table and strikethrough rules in its core, was already in the dependency
tree (rich), and lets a rule be switched off: cmark-gfm cannot stop reading indented text
as code, which turns a run of indented paragraphs (text archives indent them) into one
code block. What the render costs is measured there too (about 0.6 ms per body here).

Two departures from CommonMark, both because these are news posts, not documentation:
an indented run of text is a paragraph, not a code block (posts indent paragraphs;
nobody here posts code by indentation), and raw HTML is kept only where the body's
own markup is markup (a post's ``<figcaption>`` or ``<img>``).
"""
from __future__ import annotations

import html as html_entities
import re
from functools import cache

from markdown_it import MarkdownIt

# A numeric character reference (decimal or hex), as HTML and CommonMark both spell them.
_NUMERIC_REF = re.compile(r"&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")


@cache
def _parser(html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html})
    md.enable(["table", "strikethrough"])
    md.disable("code")  # indented paragraphs stay paragraphs
    # Every link is a link: the text is what is kept, and nothing is rendered for a browser, so a
    # ``javascript:`` link of WeChat chrome is markup to read, not a danger to leave as text.
    md.validateLink = lambda url: True
    return md


def _html_numeric_ref(match: re.Match[str]) -> str:
    """A numeric reference as an HTML page would read it, where that differs from CommonMark.

    CommonMark turns every reference to a code point it deems invalid into U+FFFD; HTML5,
    which the HTML bodies follow (``html.unescape``), drops control characters (``&#1;``)
    and reads ``&#128;``-``&#159;`` as Windows-1252 (``&#128;`` is €). A Markdown body must
    give the same text as the HTML page it was converted from, so those few are resolved
    here, before parsing; none of the results is Markdown syntax. Every other reference is
    left to the parser (``&#42;`` must stay a literal asterisk, not emphasis).
    """
    ref = match.group()
    value = int(ref[3:-1], 16) if ref[2] in "xX" else int(ref[2:-1])
    resolved = html_entities.unescape(ref)
    return ref if 0 < value <= 0x10FFFF and resolved == chr(value) else resolved


def render(markdown: str, *, html: bool = True) -> str:
    """The HTML of a Markdown body; ``html=False`` escapes raw HTML instead of keeping it."""
    return _parser(html).render(_NUMERIC_REF.sub(_html_numeric_ref, markdown))
