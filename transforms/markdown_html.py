"""Markdown bodies to HTML with markdown-it-py, a CommonMark-compliant parser.

Why markdown-it-py: it passes the whole CommonMark spec, is maintained by the
Executable Books project, ships GitHub's table and strikethrough rules in its core,
and on this project's Markdown fixtures and bench it was the faster of the two
pure-Python candidates with the same block output (``bench/markdown_parsers.py``).

Two departures from CommonMark, both because these are news posts, not documentation:
an indented run of text is a paragraph, not a code block (posts indent paragraphs;
nobody here posts code by indentation), and raw HTML is kept only where the body's
own markup is markup (a post's ``<figcaption>`` or ``<img>``).
"""
from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def _parser(html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html})
    md.enable(["table", "strikethrough"])
    md.disable("code")  # indented paragraphs stay paragraphs
    # Every link is a link: the text is what is kept, and nothing is rendered for a browser, so a
    # ``javascript:`` link of WeChat chrome is markup to read, not a danger to leave as text.
    md.validateLink = lambda url: True
    return md


def render(markdown: str, *, html: bool = True) -> str:
    """The HTML of a Markdown body; ``html=False`` escapes raw HTML instead of keeping it."""
    return _parser(html).render(markdown)
