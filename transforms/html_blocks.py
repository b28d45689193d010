"""DOM pruning and block extraction: body HTML to a list of text blocks.

Parsing is lxml (libxml2), never BeautifulSoup: this is the hot path. The tree
is walked iteratively (``iterwalk``), so 100,000-deep nesting cannot exhaust the
Python stack. libxml2 stops reading a document nested deeper than 2,048
elements, which would silently lose the rest of the article: such a document is
flattened (:func:`_flatten`) and parsed again. DTD declarations in a body are
dropped before parsing, and libxml2 never expands entities, so an "entity bomb"
stays the size it was. What is removed and why is recorded as ``(rule, snippet)``
pairs when a trace list is passed in, for ``news-etl inspect``.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache

import lxml.html
from lxml import etree

from transforms.general_rules import general_rules
from transforms.records import Image
from transforms.text import normalize_inline, visible_text

# Elements whose content is never article text.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "svg", "math", "ins", "form", "button", "input", "select",
    "textarea", "object", "embed", "video", "audio", "canvas", "map", "template", "head", "title", "meta",
    "link", "nav", "aside", "footer", "dialog", "source", "track", "picture", "frame", "frameset", "applet",
})
# Elements that start and end a block of text.
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "section", "article", "header", "main",
    "center", "figure", "hr", "address", "details", "summary", "body", "html", "fieldset", "legend",
})
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)  # also html_page's
_WS = re.compile(r"\s+")
# What stands between the links of a menu ("首页 | 新闻 · 评论 / 视频"): not words, so not counted
# against a block's share of link text.
_MENU_MARKS = re.compile(r"[|｜·•/»]")
# The gap between two links of a menu: a separator mark and spaces, nothing else.
_MENU_GAP = re.compile(r"\s*[|｜·•/»]\s*")
_CENTER_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
# class/id tokens of ad slots and image captions.
_AD_HINT = re.compile(r"(?:^|[\s_-])(?:ad|ads|advert|advertisement|adsbygoogle|single_ad|ad_embed|sponsor|banner)(?:$|[\s_-])", re.I)
_CAPTION_HINT = re.compile(r"caption|(?:img|image|pic|photo)[-_]?(?:desc|note|title|txt|text|info)", re.I)
# A CMS's card of another post of the same site (WordPress's oEmbed quote and iframe): not this story.
_OTHER_POST_HINT = re.compile(r"wp-embedded-content", re.I)
_CAPTION_TAGS = frozenset({"div", "span", "p", "small"})
# An alt text that only says "an image" (a file name, "img", WeChat's "图片") is not a caption.
_FILENAME_ALT = re.compile(r"^(?:image|img|pic|photo)?[\w.-]*\.(?:png|jpe?g|gif|webp)$"
                           r"|^(?:image|img|pic|photo|picture|图片|圖片|图像|圖像|照片|配图|配圖)[\s_-]?\d*$", re.I)

# Elements without content, and elements whose content is raw text (never markup).
_VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                        "track", "wbr", "news-etl-image", "keygen", "isindex", "basefont", "frame"})
_RAWTEXT = re.compile(r"<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext|template)\b"
                      r"[^>]*>.*?(?:</\1\s*>|\Z)", re.I | re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION = re.compile(r"<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b", re.I)
# Nesting kept by the flattening fallback: far below libxml2's limit.
_FLAT_DEPTH = 200
_LOCAL = threading.local()


def _parser() -> etree.HTMLParser:
    """One parser per thread, so that its error log is this thread's own.

    ``huge_tree`` lifts libxml2's 10 MB limit on one text node or attribute (the
    per-file size limit bounds memory instead); depth stays limited to 2,048.
    Plain ``etree`` elements, not ``lxml.html`` ones: nothing here uses their
    extra methods, and their Python class lookup ran for every element visited.
    """
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True,
                                  remove_blank_text=False, default_doctype=False, huge_tree=True)
        _LOCAL.parser = parser
    return parser


class Block:
    """One paragraph-like unit; ``after_image`` marks text right after an image.

    ``spaced`` is the block with the spaces its author typed between CJK
    characters kept (credit lines need them to split names). Only the few blocks
    that are read as credits or datelines ever need it, so it is computed from
    ``raw`` (the visible text before whitespace normalisation) on first use, and
    edits made before that (:meth:`map_spaced`) are applied then, in order.
    """

    __slots__ = ("_pending", "_spaced", "after_image", "centered", "link_share", "links", "menu_gaps", "raw", "tag",
                 "text", "with_image")

    def __init__(self, text: str, spaced: str | None = None, tag: str = "p", centered: bool = False,
                 after_image: bool = False, with_image: bool = False, link_share: float = 0.0,
                 raw: str | None = None, links: int = 0, menu_gaps: int = 0) -> None:
        self.text = text
        self._spaced = spaced
        self._pending: list[Callable[[str], str]] = []
        self.raw = raw
        self.tag = tag
        self.centered = centered
        self.after_image = after_image
        self.with_image = with_image
        self.link_share = link_share  # of its words (separators not counted) in links
        self.links = links  # how many links it holds
        self.menu_gaps = menu_gaps  # gaps between two links that hold only a menu separator ("|", "·")

    @property
    def spaced(self) -> str:
        if self._spaced is None:
            spaced = normalize_inline(self.raw if self.raw is not None else self.text, keep_typed_spaces=True)
            for fn in self._pending:
                spaced = fn(spaced)
            self._spaced, self._pending = spaced, []
        return self._spaced

    @spaced.setter
    def spaced(self, value: str) -> None:
        self._spaced, self._pending = value, []

    def map_spaced(self, fn: Callable[[str], str]) -> None:
        """Apply ``fn`` to ``spaced``: now if it has been computed, else when it first is."""
        if self._spaced is None:
            self._pending.append(fn)
        else:
            self._spaced = fn(self._spaced)

    def __repr__(self) -> str:
        return f"Block(text={self.text!r}, tag={self.tag!r}, centered={self.centered}, " \
               f"after_image={self.after_image}, with_image={self.with_image}, link_share={self.link_share})"


def _snippet(el: etree._Element) -> str:
    text = " ".join(el.itertext()) if len(el) or el.text else ""
    text = re.sub(r"\s+", " ", text).strip()
    return (text[:60] + "…") if len(text) > 60 else text


def _is_pixel(img: etree._Element) -> bool:
    for attr in ("width", "height"):
        v = (img.get(attr) or "").strip().lower().removesuffix("px")
        if v in ("0", "1"):
            return True
    style = img.get("style") or ""
    return bool(re.search(r"(?:width|height)\s*:\s*[01](?:px)?\b", style))


def _strip_declarations(html: str) -> str:
    """Drop ``<!DOCTYPE … [ internal subset ]>`` and ``<!ENTITY …>`` declarations (linear time)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _DECLARATION.search(html, pos)
        if not m:
            break
        out.append(html[pos:m.start()])
        gt = html.find(">", m.end())
        bracket = html.find("[", m.end(), gt if gt != -1 else len(html))
        if m.group(0).upper() == "<!DOCTYPE" and bracket != -1:
            close = html.find("]", bracket)
            gt = html.find(">", close) if close != -1 else -1
        if gt == -1:  # never closed: keep the rest as it is
            pos = m.start()
            break
        pos = gt + 1
    out.append(html[pos:])
    return "".join(out)


def _flatten(html: str, keep_depth: int = _FLAT_DEPTH) -> str:
    """Markup with at most ``keep_depth`` open elements, the text all kept.

    Raw-text elements (scripts, styles …) go first, content and all. Past the
    depth limit, an element of :data:`DROP_TAGS` is dropped with its content;
    any other tag is dropped, a block tag leaving one ``<br>`` so blocks stay apart.
    """
    html = _RAWTEXT.sub("", html)
    out: list[str] = []
    depth = 0
    skip_until: int | None = None
    pos = 0
    broken = False  # the last thing written is a <br> (no text since)

    def text(piece: str) -> None:
        nonlocal broken
        if piece:
            out.append(piece)
            broken = broken and not piece.strip()

    def tag(markup: str) -> None:
        nonlocal broken
        out.append(markup)
        broken = False

    def line_break() -> None:
        nonlocal broken
        if not broken:
            out.append("<br>")
            broken = True

    for m in _TAG.finditer(html):
        closing, name = m.group(1) == "/", m.group(2).lower()
        if skip_until is None:
            text(html[pos:m.start()])
        pos = m.end()
        if name in _VOID_TAGS or m.group(0).endswith("/>"):
            if skip_until is None:
                tag(m.group(0))
            continue
        if closing:
            depth = max(0, depth - 1)
            if skip_until is not None:
                if depth <= skip_until:
                    skip_until = None
                continue
            if depth < keep_depth:
                tag(m.group(0))
            elif name in BLOCK_TAGS:
                line_break()
            continue
        depth += 1
        if skip_until is not None:
            continue
        if depth <= keep_depth:
            tag(m.group(0))
        elif name in DROP_TAGS:
            skip_until = depth - 1
        elif name in BLOCK_TAGS:
            line_break()
    if skip_until is None:
        text(html[pos:])
    return "".join(out)


def _parse_once(html: str) -> tuple[etree._Element | None, bool]:
    """The tree, and whether libxml2 gave up on too deep a nesting."""
    parser = _parser()
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False
    too_deep = any("Excessive depth" in e.message for e in parser.error_log)
    return root, too_deep


def parse(html: str) -> etree._Element | None:
    """Parse an HTML fragment or page; None when there is nothing to parse."""
    if not html.strip():
        return None
    if "<!" in html:
        html = _strip_declarations(html)
    root, too_deep = _parse_once(html)
    if too_deep:
        root, too_deep = _parse_once(_flatten(html))
        if too_deep:  # the flattening could not tame it: text and line breaks only
            root, _ = _parse_once(_flatten(html, keep_depth=0))
    return root


# A site XPath that only tests one attribute of an element of any or one name:
# ``//*[@id='x']``, ``//div[contains(@class,'x')]``, ``//*[starts-with(@id,'x')]``.
_SIMPLE_XPATH = re.compile(
    r"//(?P<tag>\*|[a-z][a-z0-9]*)\[(?:@(?P<eq_attr>[a-z][a-z0-9_-]*)\s*=\s*'(?P<eq_value>[^']*)'"
    r"|(?P<fn>contains|starts-with)\(\s*@(?P<attr>[a-z][a-z0-9_-]*)\s*,\s*'(?P<value>[^']+)'\s*\))\]")
# (position in the site's list, element name or None for any, test, value)
_AttrTest = tuple[int, "str | None", str, str]


@lru_cache(maxsize=64)
def _site_tests(xpaths: tuple[str, ...]) -> tuple[tuple[tuple[str, list[_AttrTest]], ...], tuple[tuple[int, str], ...]]:
    """The site XPaths split into attribute tests, by attribute, and the rest, each with its position.

    libxml2 evaluates ``//*[…]`` by building XPath objects for every element:
    about 20 µs per expression on a typical page, 0.5 s over the bench for a few
    expressions per outlet. :func:`prune` walks every element anyway, so the
    simple forms are tested there, on attributes read once; any other
    expression is left to lxml. Both give the elements in document order.
    """
    tests: dict[str, list[_AttrTest]] = {}
    others: list[tuple[int, str]] = []
    for i, xp in enumerate(xpaths):
        m = _SIMPLE_XPATH.fullmatch(xp.strip())
        if m is None:
            others.append((i, xp))
            continue
        tag = None if m["tag"] == "*" else m["tag"]
        if m["eq_attr"]:
            tests.setdefault(m["eq_attr"], []).append((i, tag, "=", m["eq_value"]))
        else:  # an absent attribute never contains a non-empty value
            tests.setdefault(m["attr"], []).append((i, tag, m["fn"], m["value"]))
    return tuple(tests.items()), tuple(others)


# The same few style and class/id values recur on every page of an outlet (ad slots,
# hidden widgets), and their case-insensitive patterns get no fast scan: the verdict
# on a value up to _REMEMBER_MAX characters is remembered.
_REMEMBER_MAX = 200


def _hidden_style(style: str) -> bool:
    return (_remembered_hidden if len(style) <= _REMEMBER_MAX else _is_hidden)(style)


def _is_hidden(style: str) -> bool:
    return bool(HIDDEN_STYLE.search(style))


def _hint_rule(hints: str, caption_tag: bool) -> str | None:
    """``caption`` or ``ad`` for an element with these class and id values, else None."""
    return (_remembered_hint if len(hints) <= _REMEMBER_MAX else _read_hint)(hints, caption_tag)


def _read_hint(hints: str, caption_tag: bool) -> str | None:
    if caption_tag and _CAPTION_HINT.search(hints):
        return "caption"
    if _OTHER_POST_HINT.search(hints):
        return "embedded_post"
    return "ad" if _AD_HINT.search(hints) else None


_remembered_hidden = lru_cache(maxsize=4096)(_is_hidden)
_remembered_hint = lru_cache(maxsize=4096)(_read_hint)


def _attr_test(test: str, value: str, actual: str) -> bool:
    if test == "=":
        return actual == value
    if test == "contains":
        return value in actual
    return actual.startswith(value)


def prune(root: etree._Element, site_xpaths: Iterable[str], trace: list[tuple[str, str]] | None,
          images: list[Image], snippets: bool = True) -> None:
    """Remove every element that is not article text, keeping tails in place.

    The site's XPath matches come first, in the order of its list, then the
    elements the generic rules drop, in document order.
    """
    site_xpaths = tuple(site_xpaths)
    attr_tests, other_xpaths = _site_tests(site_xpaths)
    by_site: list[list[etree._Element]] = [[] for _ in site_xpaths]
    for i, xp in other_xpaths:
        try:
            by_site[i] = [el for el in root.xpath(xp) if isinstance(el, etree._Element)]
        except etree.XPathError:
            continue
    doomed: list[tuple[etree._Element, str]] = []
    # Images a <figcaption> may no longer caption: captioned already, or not of this body.
    captioned: set[int] = set(range(len(images)))
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            doomed.append((el, "comment"))
            continue
        for attr, tests in attr_tests:
            actual = el.get(attr)
            if actual is not None:
                for i, want_tag, test, value in tests:
                    if (want_tag is None or want_tag == tag) and _attr_test(test, value, actual):
                        by_site[i].append(el)
        tag = tag.lower()
        if tag in DROP_TAGS:
            doomed.append((el, f"tag:{tag}"))
            continue
        if not el.attrib and tag != "img" and tag != "figcaption":
            continue  # half the elements: no attribute to read (cheaper to ask than four get calls)
        style = el.get("style")
        if el.get("hidden") is not None or (style and _hidden_style(style)):
            doomed.append((el, "hidden"))
        elif tag == "img":
            src = (el.get("src") or el.get("data-src") or "").strip()
            if _is_pixel(el):
                doomed.append((el, "tracking_pixel"))
            elif not src or general_rules().not_article_images.search(src):
                doomed.append((el, "widget_image"))
            else:
                alt = (el.get("alt") or el.get("title") or "").strip()
                caption = None if (not alt or _FILENAME_ALT.match(alt)) else alt
                images.append(Image(url=src, caption=caption))
                doomed.append((el, "image"))
        elif tag == "figcaption":
            _caption_last_image(el, images, captioned)
            doomed.append((el, "caption"))
        else:
            cls, el_id = el.get("class"), el.get("id")
            if cls is None and el_id is None:  # no hint to read
                continue
            rule = _hint_rule(f"{cls or ''} {el_id or ''}", tag in _CAPTION_TAGS)
            if rule:
                doomed.append((el, rule))
    doomed[:0] = [(el, f"site_xpath:{xp}") for xp, found in zip(site_xpaths, by_site, strict=True) for el in found]
    seen: set[int] = set()
    for el, rule in doomed:
        if id(el) in seen:
            continue
        seen.add(id(el))
        parent = el.getparent()
        if parent is None:
            continue
        if trace is not None and rule not in ("image", "comment"):
            trace.append((rule, _snippet(el) if snippets else ""))
        if rule in ("image", "widget_image", "tracking_pixel"):
            # Leave a marker so a caption right after an image can be recognised.
            marker = etree.Element("news-etl-image")
            marker.tail = _xml_safe(el.tail)
            parent.replace(el, marker)
        else:
            _drop_keep_tail(el)


def _caption_last_image(figcaption: etree._Element, images: list[Image], captioned: set[int]) -> None:
    """A ``<figcaption>`` is the caption of the image before it (in its ``<figure>``, or the
    Markdown image right above it), and the words a reader sees win over the alt text."""
    if not images or len(images) - 1 in captioned:
        return
    text = _WS.sub(" ", "".join(figcaption.itertext())).strip()
    if text:
        images[-1] = Image(url=images[-1].url, caption=text)
        captioned.add(len(images) - 1)


def _xml_safe(text: str | None) -> str | None:
    """Text lxml accepts back: the parser keeps control characters (``&#1;``) that assignment refuses."""
    return _NOT_XML.sub("", text) if text else text


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = _xml_safe((prev.tail or "") + tail)
        else:
            parent.text = _xml_safe((parent.text or "") + tail)
    parent.remove(el)


def _centered_by_attributes(el: etree._Element) -> bool:
    """``align="center"`` or ``text-align: center`` (the ``<center>`` tag is tested by name)."""
    if not el.attrib:  # most block elements: nothing to read
        return False
    return (el.get("align") or "").lower() == "center" or bool(_CENTER_STYLE.search(el.get("style") or ""))


def blocks(root: etree._Element) -> list[Block]:
    """Walk the pruned tree in reading order and cut it into blocks.

    Most flushes (every block tag and ``<br>`` opens and closes one) find only
    the whitespace between tags: those are answered without any text work.
    """
    out: list[Block] = []
    buf: list[str] = []
    image_pending = image_in_block = False
    link_depth = 0
    link_chars = 0
    links = menu_gaps = marks = 0
    gap: list[str] | None = None  # the text since the last link closed, in this block
    centered_depth: list[bool] = [False]
    tags: list[str] = ["body"]
    # (tag, is_link) of every open element, so that its end event need not look again.
    open_elements: list[tuple[str, bool]] = []

    def flush() -> None:
        nonlocal image_pending, image_in_block, link_chars, links, menu_gaps, gap, marks
        raw = "".join(buf)
        buf.clear()
        gap = None
        if not raw or raw.isspace():  # normalises to nothing: no block
            link_chars = links = menu_gaps = marks = 0
            image_in_block = False
            return
        # entities decoded (double-escaped ones too); markup the source escaped is still markup
        raw = visible_text(raw)
        text = normalize_inline(raw)
        share = min(1.0, link_chars / max(1, len(_WS.sub("", raw)) - marks)) if link_chars else 0.0
        n_links, n_gaps, link_chars, links, menu_gaps, marks = links, menu_gaps, 0, 0, 0, 0
        if text:
            out.append(Block(text=text, tag=tags[-1], centered=centered_depth[-1], after_image=image_pending,
                             with_image=image_in_block, link_share=share, raw=raw, links=n_links, menu_gaps=n_gaps))
            image_pending = False
        image_in_block = False

    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            tag = el.tag
            tag = tag.lower() if isinstance(tag, str) else ""
            is_block = tag in BLOCK_TAGS
            is_link = not is_block and el.get("href") is not None
            open_elements.append((tag, is_link))
            if is_link:
                if not link_depth and gap is not None and _MENU_GAP.fullmatch("".join(gap)):
                    menu_gaps += 1
                link_depth += 1
                links += 1
            if tag == "news-etl-image":
                image_pending = image_in_block = True
            elif is_block or tag == "br":
                if buf:
                    flush()
                else:  # what flush() does with nothing to flush
                    image_in_block = False
                if is_block:
                    tags.append(tag)
                    centered_depth.append(centered_depth[-1] or tag == "center" or _centered_by_attributes(el))
            text = el.text
            if text and tag != "news-etl-image" and (buf or not text.isspace()):
                buf.append(text)
                if link_depth:
                    link_chars += len(_WS.sub("", text))
                else:
                    marks += len(_MENU_MARKS.findall(text))
                    if gap is not None:
                        gap.append(text)
        else:
            tag, is_link = open_elements.pop()
            if is_link:
                link_depth -= 1
                if not link_depth:
                    gap = []
            if tag in BLOCK_TAGS:
                if buf:
                    flush()
                else:
                    image_in_block = False
                if len(tags) > 1:
                    tags.pop()
                    centered_depth.pop()
            tail = el.tail
            if tail and (buf or not tail.isspace()):
                buf.append(tail)
                if link_depth:
                    link_chars += len(_WS.sub("", tail))
                else:
                    marks += len(_MENU_MARKS.findall(tail))
                    if gap is not None:
                        gap.append(tail)
    flush()
    return out
