"""What a body under a header is written in: HTML, Markdown or plain text, told by shape.

Generators differ in what they put under the same front matter or feed header: the
finance mirror writes HTML, a WeChat-post mirror and Hugo write Markdown, a text archive
writes blank-line paragraphs. The block extraction reads HTML only, so every body is
brought to HTML first (:func:`body_html`): Markdown through a CommonMark parser
(:mod:`transforms.markdown_html`), plain text as one ``<p>`` per blank-line run.

The test is by evidence, not by layout: without HTML blocks, Markdown needs Markdown syntax
(a heading, quote, list, rule or table line, a link or image, emphasis, strikethrough);
with them, the body is HTML when its blank-line runs mostly start with a tag, and Markdown
(text runs between a few figures or captions, as a Markdown processor reads them) otherwise.
"""
from __future__ import annotations

import html
import re
from typing import Literal

from transforms.markdown_html import render

BodyFormat = Literal["html", "markdown", "text"]

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_BLOCK_TAG = re.compile(r"<(?:p|div|br|h[1-6]|ul|ol|li|table|blockquote|section|article|figure|pre|hr)\b", re.I)
# Lines that are Markdown blocks: ATX headings, quotes, list items, thematic breaks, table rows.
_MD_BLOCK_LINE = re.compile(
    r"^ {0,3}(?:#{1,6}[ \t]+\S|>[ \t]?\S|[-*+][ \t]+\S|\d{1,3}[.)][ \t]+\S"
    r"|(?:-[ \t]*){3,}$|(?:\*[ \t]*){3,}$|(?:_[ \t]*){3,}$|\|.+\|[ \t]*$|```|~~~)", re.M)
# Inline Markdown: links and images, strong emphasis, strikethrough.
_MD_INLINE = re.compile(r"!?\[[^\]\n]{0,300}\]\([^)\s]{1,2000}(?:[ \t]+\"[^\"\n]*\")?\)|\*\*[^*\n]{1,200}\*\*|~~[^~\n]{1,300}~~")


def has_block_markup(body: str) -> bool:
    """Whether a body holds HTML block elements."""
    return bool(_BLOCK_TAG.search(body))


def _markdown_evidence(body: str) -> int:
    """How many Markdown constructs the body shows (counted up to a few: enough to decide)."""
    n = 0
    for pattern in (_MD_BLOCK_LINE, _MD_INLINE):
        for _ in pattern.finditer(body):
            n += 1
            if n >= 3:
                return n
    return n


def body_format(body: str) -> BodyFormat:
    """``html`` when HTML blocks carry the body (most of its blank-line runs start with a tag:
    a feed's or a CMS's HTML, often with no blank line at all), ``markdown`` when its runs are
    text between HTML blocks or show Markdown syntax, else ``text``."""
    if not has_block_markup(body):
        return "markdown" if _markdown_evidence(body) else "text"
    runs = [r for r in (r.lstrip() for r in _BLANK_LINES.split(body)) if r]
    tagged = sum(1 for r in runs if r.startswith("<"))
    # Text runs between a few HTML blocks (a figure, a caption): what Jekyll's and Hugo's Markdown
    # processors render, HTML blocks passed through and the runs made paragraphs.
    return "markdown" if tagged * 2 < len(runs) else "html"


def paragraphs_html(text: str, escape: bool = True) -> str:
    """Blank-line runs as ``<p>`` elements; the text escaped unless it may hold inline HTML of its own
    (a post body's ``<img>``, ``<a>``, ``<figcaption>``, which must stay markup)."""
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text) if p.strip()]
    return "".join(f"<p>{html.escape(p) if escape else p}</p>" for p in paragraphs)


def body_html(body: str, *, inline_html: bool) -> tuple[str, BodyFormat]:
    """The body as HTML for the block extraction, and the format it was written in.

    ``inline_html``: whether markup in the body is markup (a post body under a header) or
    text that happens to hold ``<`` (a file with no header at all).
    """
    fmt = body_format(body) if inline_html else ("markdown" if _markdown_evidence(body) else "text")
    if fmt == "markdown":
        return render(body, html=inline_html), fmt
    if fmt == "text":
        return paragraphs_html(body, escape=not inline_html), fmt
    return body, fmt
