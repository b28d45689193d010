"""Feed entries stored as XML: an RSS ``<item>`` or an Atom ``<entry>``, alone or in its feed.

Feed scrapers often keep each entry as the file they fetched: an RSS 2.0 or RSS 1.0
document (``<rss><channel>…<item>``), an Atom document (``<feed><entry>``), or the item
element alone. The entry's own elements say everything a header would: its title, its
link (Atom's ``rel="alternate"``), its time (``pubDate`` in RFC 2822, ``dc:date``,
Atom's ``published`` before ``updated``), its people (``dc:creator``, ``author``; Atom's
feed-level author is the feed's, not the story's), its categories, and its body
(``content:encoded`` or Atom ``content`` before the ``description``/``summary`` teaser).
The channel's or feed's title is the site's own name (publisher evidence, like
``og:site_name``).

Elements are matched by local name, so any namespace prefix works. The parser
resolves no entities and loads no DTD or network resource (an "entity bomb" stays
the size it was), and recovers from the damage scrapers leave. A file holding more
than one entry is not one article: it is rejected (``feed_many_entries``) with the
count, never cut to its first entry.
"""
from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

from transforms.body_format import paragraphs_html
from transforms.decode import DecodeError
from transforms.general_rules import general_rules
from transforms.layouts.base import Envelope
from transforms.metadata import parse_datetime

NAME = "feed_xml"
# What the document opens with, after an XML declaration, comments, processing instructions and a DOCTYPE.
_PROLOG = re.compile(r"\A\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<\?[^>]*\?>\s*|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)*",
                     re.S)
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?P<name>rss|feed|item|entry|RDF)\b")
_ENTRY_NAMES = frozenset({"item", "entry"})
_CONTAINER_NAMES = frozenset({"channel", "feed", "rss", "RDF"})
_TIME_NAMES = ("published", "pubDate", "date", "issued", "created", "updated", "modified")
_BODY_NAMES = ("encoded", "content", "description", "summary")
_XHTML_NS = re.compile(r"\s+xmlns(?::\w+)?=\"[^\"]*\"")


def detect(text: str) -> bool:
    return _ROOT.match(text, _PROLOG.match(text).end()) is not None  # type: ignore[union-attr]


def _local(el: etree._Element) -> str:
    """The element's name without its namespace (``{uri}name``) or prefix; "" for comments and PIs.
    (Not ``etree.QName``: a recovered document may hold names it refuses, such as ``:``.)"""
    tag = el.tag
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, recover=True, huge_tree=True,
                           remove_comments=True, remove_pis=True)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _first_text(el: etree._Element, *names: str) -> str | None:
    for name in names:
        for c in _children(el, name):
            text = "".join(c.itertext()).strip()
            if text:
                return text
    return None


def _text_of(el: etree._Element) -> str:
    """An Atom text construct (``type`` text, html or xhtml) or an RSS element, as plain text."""
    kind = (el.get("type") or "").lower()
    if kind == "xhtml":
        return " ".join("".join(el.itertext()).split())
    text = "".join(el.itertext()).strip()
    if kind == "html" or "<" in text:
        text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _body(entry: etree._Element) -> tuple[str, str | None]:
    """The entry's body as HTML, and the element it came from."""
    for name in _BODY_NAMES:
        for c in _children(entry, name):
            kind = (c.get("type") or "").lower()
            if kind == "xhtml":
                inner = "".join(etree.tostring(x, encoding="unicode", with_tail=True) for x in c)
                body = _XHTML_NS.sub("", inner)
            elif kind in ("text", "text/plain"):
                body = paragraphs_html("".join(c.itertext()))
            else:  # html, escaped or in CDATA; RSS elements hold it the same way
                body = "".join(c.itertext()).strip()
            if body.strip():
                return body, name
    return "", None


def _without_furniture(body: str) -> str:
    """The body without the CMS furniture its post content carries (share kits, related posts,
    comment links): the saved-page class/id words of the general table, as on a full page."""
    furniture = general_rules().page_furniture
    if "class=" not in body and "id=" not in body:  # no element has a class or id to read
        return body
    try:
        root = lxml.html.fragment_fromstring(body, create_parent="div")
    except (etree.ParserError, ValueError):
        return body
    doomed = [el for el in root.iter() if isinstance(el.tag, str) and el is not root
              and furniture.search(f"{el.get('class', '')} {el.get('id', '')}")]
    if not doomed:
        return body
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    return (root.text or "") + "".join(etree.tostring(c, encoding="unicode", with_tail=True) for c in root)


def _link(entry: etree._Element) -> str | None:
    """``<link>URL</link>`` (RSS), else Atom's ``rel="alternate"`` (or rel-less) ``href``."""
    atom = [c for c in _children(entry, "link") if c.get("href")]
    for c in atom:
        if (c.get("rel") or "alternate") == "alternate" and (c.get("type") or "text/html").startswith("text/html"):
            return c.get("href").strip()
    for c in _children(entry, "link"):
        text = (c.text or "").strip()
        if text.startswith(("http://", "https://")):
            return text
    guid = next((c for c in _children(entry, "guid") if (c.get("isPermaLink") or "true") == "true"), None)
    text = (guid.text or "").strip() if guid is not None else ""
    return text if text.startswith(("http://", "https://")) else None


def _authors(entry: etree._Element) -> list[str]:
    names = [n for a in _children(entry, "author") if (n := _first_text(a, "name") or (
        "".join(a.itertext()).strip() if not len(a) else None))]
    names += ["".join(c.itertext()).strip() for c in _children(entry, "creator")]
    # RSS's <author> is "email (Name)": the name.
    names = [m.group(1) if (m := re.fullmatch(r"\S+@\S+\s*\((.+)\)", n)) else n for n in names]
    return list(dict.fromkeys(n for n in names if n and "@" not in n))


def split(text: str) -> Envelope:
    start = _PROLOG.match(text).end()  # type: ignore[union-attr]
    try:
        root = etree.fromstring(text[start:].encode("utf-8"), parser=_parser())
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return Envelope(layout=NAME, body="", rules_fired=["feed_xml:unparsed"])
    entries = [root] if _local(root) in _ENTRY_NAMES else [el for el in root.iter() if _local(el) in _ENTRY_NAMES]
    if len(entries) > 1:
        raise DecodeError("feed_many_entries", f"a feed file with {len(entries)} entries, not one article")
    site = None
    for el in (root, *root):
        if _local(el) in _CONTAINER_NAMES:
            title = next(iter(_children(el, "title")), None)
            if title is not None and _text_of(title):
                site = _text_of(title)
                break
    if not entries:
        return Envelope(layout=NAME, body="", site_name=site, rules_fired=["feed_xml:no_entry"])
    entry = entries[0]
    title_el = next(iter(_children(entry, "title")), None)
    published = None
    for name in _TIME_NAMES:
        published = parse_datetime(_first_text(entry, name))
        if published is not None:
            break
    body, source = _body(entry)
    body = _without_furniture(body)
    return Envelope(
        layout=NAME,
        body=body,
        title=_text_of(title_el) if title_el is not None else None,
        url=_link(entry),
        published=published,
        date_source="feed_entry" if published else None,
        categories=list(dict.fromkeys(c for el in _children(entry, "category")
                                      if (c := (el.get("term") or "".join(el.itertext())).strip()))),
        # the posting account ("admin") or the site itself is not a person credited with the story
        authors=[a for a in _authors(entry) if a.casefold() not in general_rules().account_names and a != site],
        site_name=site,
        rules_fired=[f"feed_xml:{_local(root)}", *([f"feed_xml:body:{source}"] if source else [])],
    )
