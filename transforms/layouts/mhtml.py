"""A web page saved as one file (MHTML: Chrome's and Edge's "Webpage, Single File", ``.mhtml``/``.mht``).

The file is a MIME ``multipart/related`` message: a header block (``Snapshot-Content-Location``
is the page's address; ``Date`` is when it was *saved*, never the article's time), then the
page's HTML in a part of its own, quoted-printable or base64, then its stylesheets and images.
The HTML part is unwrapped with the standard library's ``email`` parser, decoded like any raw
file (its declared or sniffed charset: Chrome's part headers name none), and read by the saved
page layout (:mod:`transforms.layouts.html_page`), the snapshot's address standing in for a URL
when the page gives none. The other parts are not read.
"""
from __future__ import annotations

import email
import email.policy
import re

from transforms.decode import DecodeError, decode
from transforms.layouts import html_page
from transforms.layouts.base import Envelope

NAME = html_page.NAME
# The MIME header block of a saved page: a MIME-Version line and a multipart/related content type.
_HEADER_END = re.compile(r"\r?\n\r?\n")
_MIME = re.compile(r"^MIME-Version:\s*1\.0", re.I | re.M)
_RELATED = re.compile(r"^Content-Type:\s*multipart/related\b", re.I | re.M)
_HEADER_MAX = 8192


def _header(text: str) -> str | None:
    m = _HEADER_END.search(text, 0, _HEADER_MAX)
    head = text[:m.start()] if m else None
    return head if head and _MIME.search(head) and _RELATED.search(head) else None


def detect(text: str) -> bool:
    return _header(text) is not None


def _page(text: str) -> tuple[str, str | None]:
    """The HTML of the saved page and the address it was saved from."""
    message = email.message_from_string(text, policy=email.policy.compat32)
    location = (message.get("Snapshot-Content-Location") or "").strip() or None
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        raw = part.get_payload(decode=True)
        if not isinstance(raw, bytes) or not raw.strip():
            continue
        try:
            html = decode(raw).text
        except DecodeError:
            continue
        return html, location or (part.get("Content-Location") or "").strip() or None
    return "", location


def split(text: str) -> Envelope:
    html, location = _page(text)
    if not html:
        return Envelope(layout=NAME, body="", url=location, rules_fired=["mhtml:no_html_part"])
    env = html_page.split(html)
    env.url = env.url or location
    env.rules_fired.insert(0, "mhtml")
    return env
