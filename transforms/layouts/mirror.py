"""Mirror pages: ``### title`` and an underline, Markdown navigation and promo
lines around the article HTML, a share/QR footer with the original URL.
"""
from __future__ import annotations

import re

from transforms.layouts.base import Envelope
from transforms.sites import is_share_url

NAME = "mirror"
_HEAD = re.compile(r"\A\ufeff?\s*#{1,4}[ \t]+(?P<title>[^\n]+?)[ \t#]*\n[ \t]*[-=]{3,}[ \t]*\n")
# The original article: 原文地址（需翻墙访问）：URL / 原文链接：URL
_ORIGINAL = re.compile(r"原文(?:地址|链接|網址|链结|連結)[^：:\n]{0,12}[：:]\s*(?:<a[^>]*>)?\s*(?P<url>https?://[^\s<>'\"）)]+)")
# Start of the share footer; everything after it belongs to the mirror.
_FOOTER = re.compile(r"(?:<hr\s*/?>\s*)?手机上长按并复制下列链接或二维码分享本文章")
# Markdown residue the mirror writes between HTML blocks: headings, rules.
_MD_LINE = re.compile(r"^[ \t]*(?:#{1,6}[ \t].*|[-=*_]{3,}[ \t]*)$", re.M)


def detect(text: str) -> bool:
    return bool(_HEAD.match(text))


def split(text: str) -> Envelope:
    m = _HEAD.match(text)
    rest = text[m.end():]
    rules: list[str] = []
    url = share = None
    for o in _ORIGINAL.finditer(rest):
        link = o.group("url")
        if is_share_url(link):
            share = share or link
        elif url is None:
            url = link
    footer = _FOOTER.search(rest)
    if footer:
        rest = rest[: footer.start()]
        rules.append("mirror:share_footer")
    body, n = _MD_LINE.subn("", rest)
    if n:
        rules.append(f"mirror:markdown_lines×{n}")
    return Envelope(layout=NAME, body=body, title=m.group("title"), url=url, share_url=share, rules_fired=rules)
