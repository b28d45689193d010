"""Fallback for a whole HTML page of an unknown layout: metadata from ``<head>``,
the article from a text-density main-content detector.

Only files that no specific layout recognises reach this module, so nothing here
changes the results for the known layouts. Two cases:

- a mirror page whose ``### title`` line is empty (a damaged or older copy): it
  is handed to the mirror layout, with no title;
- a generic HTML news page: the title from ``og:title``/``<title>``/``<h1>``, the
  URL from ``og:url``/canonical, the date from ``<meta>`` or ``<time datetime>``,
  and the body reduced to the block container with the most paragraph text and
  the least link text (navigation, sidebars, related links and footers score
  low). Records that used it carry the rule ``fallback_extractor``.
"""
from __future__ import annotations

import datetime as dt
import html as html_entities
import json
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from transforms.credits import parse_credit
from transforms.general_rules import general_rules
from transforms.html_blocks import HIDDEN_STYLE
from transforms.layouts import mirror
from transforms.layouts.base import Envelope
from transforms.metadata import epoch_datetime, parse_datetime, split_names
from transforms.publisher import looks_like_outlet, without_sections
from transforms.text import visible_text

NAME = "html"
_LOOKS_HTML = re.compile(r"<(?:html|head|body|article|div|p|section|main)\b", re.I)
_META = re.compile(r"<meta\s+[^>]*>", re.I)
_ATTR = re.compile(r"""(\w[\w:-]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_TITLE = re.compile(r"<title[^>]*>(?P<t>.*?)</title>", re.I | re.S)
_CANONICAL = re.compile(r"""<link\s+[^>]*rel=["']canonical["'][^>]*>""", re.I)
_TITLE_SUFFIX = re.compile(r"\s*[|｜_–—-]\s*[^|｜_–—-]{1,30}$")
_DATE_KEYS = ("article:published_time", "og:published_time", "pubdate", "publishdate", "date", "dc.date", "datepublished")
_TIME_ELEMENT = re.compile(r"""<time\b[^>]*\bdatetime\s*=\s*["']([^"']{8,40})["']""", re.I)
# A mirror page whose title line is empty: "### \n-----".
_UNTITLED_MIRROR = re.compile(r"\A\ufeff?\s*#{1,4}[ \t]*\n[ \t]*[-=]{3,}[ \t]*\n")
_FULL_PAGE = re.compile(r"<(?:html|body)\b", re.I)
_JSON_LD = re.compile(r"""<script[^>]*type=["']application/ld\+json["'][^>]*>(.*?)</script>""", re.I | re.S)
_ARTICLE_TYPES = frozenset({"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
                            "OpinionNewsArticle", "TechArticle", "Report"})

# Main-content detection ------------------------------------------------------
_NEVER_CONTENT = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button",
                  "select", "template")
_CANDIDATE_TAGS = frozenset({"div", "article", "section", "main", "td", "body"})
_GOOD_HINT = re.compile(r"article|content|post|entry|story|main|body|text|detail|正文", re.I)
_BAD_HINT = re.compile(r"comment|sidebar|side|footer|foot|nav|menu|related|share|social|promo|recommend|advert|(?:^|[\s_-])ads?(?:$|[\s_-])"
                       r"|banner|breadcrumb|widget|popular|hot|tags?(?:$|[\s_-])|subscribe|copyright", re.I)
# Inside the article container: the date/author line, share and tool bars.
_META_HINT = re.compile(r"(?:^|[\s_-])(?:meta|byline|author|date|time|info|source|share|tools?|social|print)(?:$|[\s_-])", re.I)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]+")
_SENTENCE_PUNCT = re.compile(r"[，。、；！？,.;!?]")
_PARSER = etree.HTMLParser(remove_comments=True, no_network=True, recover=True)
_PARSER.set_element_class_lookup(lxml.html.HtmlElementClassLookup())
MIN_MAIN_CHARS = 40


def detect(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text[:20000]))


def _attrs(tag: str) -> dict[str, str]:
    """A tag's attributes, their values decoded as a browser reads them (``&amp;`` in a URL is ``&``)."""
    return {k.lower(): html_entities.unescape(v.strip("\"'")) for k, v in _ATTR.findall(tag)}


def _text_len(s: str) -> int:
    """Reading length: one per CJK character, one per Latin word or number."""
    return len(_CJK_OR_WORD.findall(s))


def _hints(el: etree._Element) -> str:
    return f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')} {el.get('role', '')}"


def _link_density(el: etree._Element) -> float:
    total = _text_len(el.text_content())
    if not total:
        return 1.0
    linked = sum(_text_len(a.text_content()) for a in el.iter("a"))
    return min(1.0, linked / total)


def main_content(html: str) -> tuple[etree._Element, etree._Element, PageCredits] | None:
    """The page root, the container most likely to hold the article, and the credits the page
    prints around it (beside the headline, in the info line the container drops, right under it);
    or None.

    Readability-style scoring: every paragraph (``<p>``, or a ``<div>``/``<td>`` of
    bare text) gives its parent its reading length plus a bonus per clause, and its
    grandparent half of that; a container's score is scaled by (1 - link density)
    and by class/id hints (``article``, ``content`` up; ``sidebar``, ``related``,
    ``footer`` down).
    """
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    credits = _header_credits(root)
    for el in list(root.iter(*_NEVER_CONTENT)):
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()
    furniture = general_rules().page_furniture
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if el.get("role") in ("navigation", "banner", "contentinfo", "complementary") or el.get("hidden") is not None \
                or furniture.search(f"{el.get('class', '')} {el.get('id', '')}"):
            el.drop_tree()
    scores: dict[etree._Element, float] = {}
    for p in root.iter("p", "pre", "blockquote", "div", "section", "td", "li"):
        # (an editor that writes only <section>s, as WeChat's do, has them for paragraphs)
        if p.tag in ("div", "section", "td", "li") and any(
                isinstance(c.tag, str) and c.tag in ("p", "div", "section", "table", "ul", "ol") for c in p):
            continue  # a container, not a paragraph
        text = p.text_content()
        n = _text_len(text)
        if n < 10:
            continue
        if _link_density(p) > 0.5:
            continue
        value = 1 + n / 25 + len(_SENTENCE_PUNCT.findall(text))
        parent = p.getparent()
        for ancestor, share in ((parent, 1.0), (parent.getparent() if parent is not None else None, 0.5)):
            if ancestor is not None and isinstance(ancestor.tag, str) and ancestor.tag in _CANDIDATE_TAGS:
                scores[ancestor] = scores.get(ancestor, 0.0) + value * share
    if not scores:
        return None

    def final(el: etree._Element) -> float:
        hints = _hints(el)
        factor = 1.0
        if _GOOD_HINT.search(hints):
            factor *= 1.25
        if _BAD_HINT.search(hints):
            factor *= 0.3
        return scores[el] * factor * (1 - _link_density(el))

    best = max(scores, key=final)
    if final(best) <= 0 or _text_len(best.text_content()) < MIN_MAIN_CHARS:
        return None
    # The article may be split over sibling containers under one parent: take the parent
    # when a sibling scores nearly as well.
    parent = best.getparent()
    if parent is not None and parent.tag in _CANDIDATE_TAGS and parent.tag != "body":
        siblings = [s for s in parent if s is not best and s in scores]
        if any(final(s) >= 0.5 * final(best) for s in siblings) and _link_density(parent) < 0.3:
            best = parent
    # The container a reader sees: a page that reveals it by script (WeChat's js_content) saves it hidden.
    style = best.get("style")
    if style and HIDDEN_STYLE.search(style):
        best.set("style", HIDDEN_STYLE.sub("", style))
    dropped: list[etree._Element] = []
    for el in list(best.iter()):
        if el is best or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        # A heading is never the date line or a share bar, whatever its id says ("the-tools" is a slug).
        if el.tag == "time" or (el.tag not in _HEADINGS and _META_HINT.search(_hints(el))
                                and _text_len(el.text_content()) <= 60):
            dropped.append(el)
            el.drop_tree()  # "海湾日报 2021年6月18日", share bars, author boxes
    # The info line the container drops and the credit line a CMS prints right under the story.
    after = [el for el in best.itersiblings() if isinstance(el.tag, str)][:_CREDIT_SIBLINGS]
    credits.add(_credit_lines([*dropped, *after]))
    return root, best, credits


def _first_h1(root: etree._Element) -> str | None:
    for h in root.iter("h1"):
        t = re.sub(r"\s+", " ", h.text_content()).strip()
        if t:
            return t
    return None


def _untitled_mirror(text: str) -> Envelope:
    m = _UNTITLED_MIRROR.match(text)
    env = mirror.split("### untitled\n---\n" + text[m.end():])
    env.title = None
    env.rules_fired.insert(0, "mirror:untitled")
    return env


def _json_ld_article(head: str) -> dict:
    """The first schema.org Article-like object of the page's JSON-LD (also inside ``@graph``), or {}."""
    for block in _JSON_LD.findall(head):
        try:
            data = json.loads(block.strip())
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            kinds = item.get("@type")
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if kinds & _ARTICLE_TYPES:
                return item
            graph = item.get("@graph")
            if isinstance(graph, list):
                stack.extend(graph)
    return {}


def _names(value: object) -> list[str]:
    """Person names of a JSON-LD ``author``: a string, a Person, or a list of either."""
    items = value if isinstance(value, list) else [value]
    out = []
    for it in items:
        name = it.get("name") if isinstance(it, dict) else it
        if isinstance(name, str) and name.strip():
            out.append(re.sub(r"\s+", " ", name).strip())
    return out


# The link's text may sit in inline elements of its own (WordPress themes: <a rel=author><span>NAME</span></a>).
_BYLINE_AUTHOR = re.compile(r"""<a\b[^>]*\brel=["']author["'][^>]*>(.{2,300}?)</a>""", re.I | re.S)
_HEADER_LINE_MAX = 60  # a credit beside the headline is a short line, never a paragraph of the story
# A CMS's source line beside the headline or under the story: "来源：南江晚报".
_SOURCE_LINE = re.compile(r"^(?:文章|新闻|新聞|稿件)?(?:来源|來源|出处|出處)\s*[：:]\s*(?P<src>[^\s：:|｜]{2,20})$")
_CREDIT_SIBLINGS = 3  # elements right after the story container that may hold its closing credits
# A timestamp alone in an info line by the headline: "2019-11-08 07:30:15", "2021年5月9日 10:30".
_STAMP_LINE = re.compile(r"\d{4}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|年\d{1,2}月\d{1,2}日)\s*\d{1,2}:\d{2}(?::\d{2})?")


@dataclass
class PageCredits:
    """People and the source a page prints outside its story text."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    source: str | None = None
    published: dt.datetime | None = None  # a timestamp standing alone in the info line

    def add(self, other: PageCredits) -> None:
        self.authors = list(dict.fromkeys([*self.authors, *other.authors]))
        self.editors = list(dict.fromkeys([*self.editors, *other.editors]))
        self.source = self.source or other.source
        self.published = self.published or other.published


def _credit_lines(elements: list[etree._Element]) -> PageCredits:
    """Credits and a source line among ``elements``: each element's line, then each of its parts
    (an info line "2020-06-27 来源：某报 记者：甲 乙" is no credit; its spans are). Only a line that
    is a credit or a source line and nothing else counts."""
    out = PageCredits()
    for el in elements:
        for piece in el.iter():
            if not isinstance(piece.tag, str) or piece.tag in _NEVER_CONTENT or piece.tag in _HEADINGS:
                continue
            line = re.sub(r"\s+", " ", piece.text_content()).strip()
            if not 2 <= len(line) <= _HEADER_LINE_MAX:
                continue
            if m := _SOURCE_LINE.match(line):
                out.source = out.source or m.group("src")
            elif _STAMP_LINE.fullmatch(line):
                out.published = out.published or parse_datetime(line)
            elif credit := parse_credit(line):
                out.add(PageCredits(credit.authors, credit.editors))
    return out


def _header_credits(root: etree._Element) -> PageCredits:
    """The credits that stand beside the page's headline, outside the main container.

    Themes that give no author metadata print the byline in the article's header, next to the
    ``<h1>`` (``作者：<strong>NAME</strong>``, a CMS's info line of spans); read before headers
    are dropped. The first headline whose neighbours hold any is the article's."""
    for n, h1 in enumerate(root.iter("h1")):
        parent = h1.getparent()
        if n == 3 or parent is None:  # a masthead may hold the first <h1>; a page has few
            break
        found = _credit_lines([el for el in parent if el is not h1 and isinstance(el.tag, str)
                               and el.tag not in _NEVER_CONTENT])
        if found.authors or found.editors or found.source:
            return found
    return PageCredits()


def _page_authors(meta: dict[str, str], ld: dict, text: str, byline: list[str]) -> list[str]:
    """JSON-LD ``author`` > ``<meta name=author>`` > a ``rel=author`` byline link > a credit line by the headline."""
    names = _names(ld.get("author")) if ld else []
    if not names and meta.get("author"):
        names = split_names(meta["author"])
    if not names:
        names = [re.sub(r"\s+", " ", visible_text(m)).strip() for m in _BYLINE_AUTHOR.findall(text)[:1]]
    if not names:
        names = byline
    return list(dict.fromkeys(n for n in names if 1 < len(n) <= 60 and "://" not in n))


def split(text: str) -> Envelope:
    if _UNTITLED_MIRROR.match(text):
        return _untitled_mirror(text)
    head = text[:200000]
    meta: dict[str, str] = {}
    for tag in _META.findall(head):
        a = _attrs(tag)
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        if key and "content" in a:
            meta.setdefault(key, a["content"])
    ld = _json_ld_article(head)
    site_name = (meta.get("og:site_name") or "").strip() or None
    title = meta.get("og:title")
    suffix = None
    if title and site_name:
        cut = _TITLE_SUFFIX.search(title)
        if cut and cut.group(0).strip(" |｜_–—-") == site_name:
            title, suffix = title[:cut.start()].strip(), site_name
    if not title and isinstance(ld.get("headline"), str) and ld["headline"].strip():
        title = ld["headline"]
    if not title:
        t = _TITLE.search(head)
        title = html_entities.unescape(t.group("t")).strip() if t else None
        cut = _TITLE_SUFFIX.search(title) if title else None
        if cut and title:
            sep = cut.group(0).strip()[:1]
            title, suffix = without_sections(title[:cut.start()], sep), cut.group(0).strip(" |｜_–—-")
    url = meta.get("og:url")
    if not url:
        c = _CANONICAL.search(head)
        url = _attrs(c.group(0)).get("href") if c else None
    published, date_source = None, None
    if isinstance(ld.get("datePublished"), str):
        published = parse_datetime(ld["datePublished"])
        date_source = "json_ld" if published else None
    for key in () if published else _DATE_KEYS:
        if meta.get(key):
            published = parse_datetime(meta[key])
            if published:
                date_source = "meta"
                break
    if published is None:
        t = _TIME_ELEMENT.search(text)
        published = parse_datetime(t.group(1)) if t else None
        date_source = "time_element" if published else None
    if published is None:
        published, date_source = _page_date(text)
    g = general_rules()
    if site_name in g.platform_names:  # "微信公众平台": the platform; the account posted the page
        account = next((m.group("name").strip() for p in g.page_accounts if (m := p.search(text))), None)
        site_name = html_entities.unescape(account) if account else None
    body, rules, page_credits = text, [], PageCredits()
    if _FULL_PAGE.search(head):
        found = main_content(text)
        if found is not None:
            root, best, page_credits = found
            title = title or _first_h1(root)
            if published is None and page_credits.published is not None:
                published, date_source = page_credits.published, "page_date"
            body = etree.tostring(best, encoding="unicode", method="html")
            rules.append("fallback_extractor")
    authors = _page_authors(meta, ld, text, page_credits.authors) if _FULL_PAGE.search(head) else []
    # An author field that holds an outlet's name ("东州日报" on a repost) names the source, not a person.
    outlets = [a for a in authors if a == site_name or looks_like_outlet(a)]
    return Envelope(layout=NAME, body=body, title=title, url=url, published=published, date_source=date_source,
                    site_name=site_name or _ld_publisher(ld), title_suffix=suffix, rules_fired=rules,
                    authors=[a for a in authors if a not in outlets], editors=page_credits.editors,
                    source_name=(outlets[0] if outlets else None) or page_credits.source)


def _page_date(text: str) -> tuple[dt.datetime | None, str | None]:
    """The general table's ``page_dates``: a date element's text, else a script's epoch seconds."""
    for p in general_rules().page_dates:
        m = p.search(text)
        if not m:
            continue
        if m.groupdict().get("date"):
            published = parse_datetime(html_entities.unescape(m.group("date")))
        else:
            published = epoch_datetime(m.group("epoch"))
        if published is not None:
            return published, "page_date"
    return None, None


def _ld_publisher(ld: dict) -> str | None:
    pub = ld.get("publisher") if ld else None
    name = pub.get("name") if isinstance(pub, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None
