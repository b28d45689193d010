"""``clean_document``: the one entry point from raw bytes to Record or Reject.

Pure and deterministic: no I/O, no clock, no randomness. The flows call it once
per file inside batched tasks; ``news-etl inspect`` calls it with a trace.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import traceback
from dataclasses import dataclass, field

from transforms import boilerplate, html_blocks
from transforms.body_format import body_html
from transforms.decode import DecodeError, decode
from transforms.general_rules import NamedPattern, general_rules
from transforms.layouts import Envelope, split_layout
from transforms.metadata import (
    date_from_match,
    date_from_url,
    merge_unique,
    parse_datetime,
    split_names,
    tickers_from_widget,
    url_as_written,
)
from transforms.publisher import Evidence, choose_publisher, split_title_suffix
from transforms.records import Image, Record, Reject
from transforms.shortcodes import expand_shortcodes
from transforms.sites import Site, is_share_url, mirror_sites, outlet_sites, site_for_path, site_for_url
from transforms.text import normalize_title

DOC_ID_NAMESPACE = "news-etl/doc/v1:"
_TIME_ELEMENT = re.compile(r"""<time\b[^>]*\bdatetime\s*=\s*["']([^"']{8,40})["']""", re.I)
_SIGNATURE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


@dataclass
class Trace:
    """What ``news-etl inspect`` shows: the decisions taken for one file."""

    layout: str = ""
    site: str | None = None
    encoding: str | None = None
    removed: list[tuple[str, str]] = field(default_factory=list)


def doc_id_for(source_path: str) -> str:
    """Stable id: the same relative path gives the same id on every run and machine."""
    return hashlib.sha256((DOC_ID_NAMESPACE + source_path).encode("utf-8")).hexdigest()[:32]


def _reject(source_path: str, sha: str, size: int, reason: str, detail: str) -> Reject:
    return Reject(source_path=source_path, content_sha256=sha, size_bytes=size, reason=reason, detail=detail)


def clean_document(raw: bytes, source_path: str, *, max_bytes: int | None = None,
                   trace: Trace | None = None, sha256: str | None = None) -> Record | Reject:
    """Turn one raw file into a clean :class:`Record`, or a :class:`Reject` with a reason.

    Never raises for bad input: an unexpected exception becomes a reject with
    reason ``error`` and a traceback summary, so one file never fails a batch.
    ``sha256`` is the hex SHA-256 of ``raw`` when the caller has it already (a
    batch hashes every file to tell unchanged ones): hashing 11 KB again was 2 %
    of a file's cleaning.
    """
    sha = sha256 or hashlib.sha256(raw).hexdigest()
    size = len(raw)
    if max_bytes is not None and size > max_bytes:
        return _reject(source_path, sha, size, "too_large", f"{size} bytes is over the limit of {max_bytes}")
    try:
        return _clean(raw, source_path, sha, size, trace)
    except DecodeError as exc:
        return _reject(source_path, sha, size, exc.reason, exc.detail)
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else "?"
        return _reject(source_path, sha, size, "error", f"{type(exc).__name__}: {exc} (at {where})"[:500])


def _origin_link(env: Envelope, rules: tuple[NamedPattern, ...]) -> None:
    """A repost's link to its original (``原文来自公号「某某」：[标题](URL)``): the URL, when the
    header gave none, and the outlet it names, read from the body as written (Markdown or HTML)."""
    for r in rules:
        m = r.pattern.search(env.body) if boilerplate.literal_prefilter((r.pattern,))(env.body) else None
        if not m:
            continue
        url = url_as_written(m.group("url")) if m.groupdict().get("url") else None
        if url and not env.url and not is_share_url(url):
            env.url = url
            env.rules_fired.append(r.name)
        if m.groupdict().get("source") and not env.source_name:
            env.source_name = m.group("source").strip()
        return


def _published(env: Envelope, body: str, findings: boilerplate.BlockFindings,
               site: Site | None) -> tuple[dt.datetime | None, str | None]:
    """Explicit timestamp > ``<time datetime>`` > dateline > date in the URL."""
    if env.published:
        return env.published, env.date_source
    m = _TIME_ELEMENT.search(body)
    if m:
        t = parse_datetime(m.group(1))
        if t:
            return t, "time_element"
    url_date = date_from_url(env.url, (site.url_dates if site else ()) + general_rules().url_dates)
    if findings.dateline is not None:
        t = date_from_match(findings.dateline, default_year=url_date.year if url_date else None)
        if t:
            return t, "dateline"
    if url_date:
        return url_date, "url"
    return None, None


def _clean(raw: bytes, source_path: str, sha: str, size: int, trace: Trace | None) -> Record | Reject:
    decoded = decode(raw)
    env = split_layout(decoded.text)
    if env is None:
        return _reject(source_path, sha, size, "unknown_layout", "no layout recognises the text")
    general = general_rules()
    _origin_link(env, general.origin_links)  # on the body as written
    if env.layout in ("jekyll", "feed"):
        # A header over a body in any format: HTML as is, Markdown rendered (a WeChat-post mirror,
        # a Hugo post), plain text as its blank-line runs; inline HTML stays markup in all three.
        env.body, fmt = body_html(expand_shortcodes(env.body), inline_html=True)
        if fmt != "html":
            env.rules_fired.append(f"body:{fmt}")
    rules = list(env.rules_fired)
    removed: list[tuple[str, str]] = []
    body = env.body
    tickers: list[str] = []
    for widget in general.widgets:
        if widget.marker not in body:
            continue
        for html in widget.block.findall(body):
            tickers = merge_unique(tickers, tickers_from_widget(widget, html))
            removed.append((widget.name, re.sub(r"<[^>]+>", "", html)[:60] or widget.marker))
        body = widget.block.sub("", body)
        rules.append(widget.name)

    # No URL with a table of its own: the table keyed by the file's folder (a draft for a URL-less archive).
    url_site = site_for_url(env.url) or site_for_url(env.share_url)
    path_site = None if url_site else site_for_path(source_path)
    url_site = url_site or path_site
    mirrors = mirror_sites() if env.layout == "mirror" else ()
    xpaths = (url_site.drop_xpaths if url_site else ()) + tuple(x for m in mirrors for x in m.drop_xpaths)
    images: list[Image] = list(env.images)
    root = html_blocks.parse(body)
    blocks = []
    if root is not None:
        html_blocks.prune(root, xpaths, removed, images, snippets=trace is not None)
        blocks = html_blocks.blocks(root)
    site_drop = (url_site.drop_blocks if url_site else ()) + tuple(p for m in mirrors for p in m.drop_blocks)
    site_drop_short = tuple(p for m in (url_site, *mirrors) if m for p in m.drop_short_blocks)
    # Without a URL any outlet's dateline may name the source; with one, only its own.
    candidates = (url_site,) if url_site else outlet_sites()
    datelines = tuple((s.key, p) for s in candidates for p in s.datelines)
    title = normalize_title(env.title)
    if env.layout in ("mirror", "feed") and not env.title_suffix:
        # Another mirror's headline may keep its site's name: "标题 - 某某日报" (the Jekyll and HTML
        # layouts cut it themselves).
        title, env.title_suffix = split_title_suffix(title)
        if env.title_suffix:
            rules.append("title_suffix")
    texts, findings = boilerplate.apply_block_rules(blocks, title, site_drop, site_drop_short, datelines)
    removed += findings.removed
    rules += findings.rules_fired
    rules += sorted({r for r, _ in removed if r not in findings.rules_fired and r not in rules})

    evidence = Evidence(url=env.url, share_url=env.share_url, layout=env.layout, categories=env.categories,
                        sources=[*findings.sources, *([env.source_name] if env.source_name else [])],
                        dateline_site=findings.dateline_site, dateline_outlet=findings.dateline_outlet,
                        site_name=env.site_name or findings.site_name, title_suffix=env.title_suffix,
                        credit_outlets=tuple(findings.credit_outlets),
                        path_site=path_site)
    site, publisher = choose_publisher(evidence, rules)
    site = site or url_site
    published, date_source = _published(env, body, findings, site)
    if texts and title and _SIGNATURE.match(texts[-1]) and title.startswith(texts[-1]) and len(texts) > 1:
        # A commentary signed with the name its title starts with: "王丹热邮：…" … "王丹".
        findings.authors = merge_unique([texts[-1]], findings.authors)
        removed.append(("signature", texts.pop()))
        rules.append("signature")
    authors = _title_authors(title, site, texts, merge_unique(env.authors, findings.authors), rules)
    text = "\n\n".join(texts)
    if not text and not images and (not title or env.layout == "text"):
        # A file with no header that is only a heading (a mirror's index page once its menus
        # are gone) is no article either.
        what = "a heading and nothing else" if title else "neither title nor text"
        return _reject(source_path, sha, size, "no_content", f"{env.layout} layout with {what}")
    if trace is not None:
        trace.layout, trace.site, trace.encoding, trace.removed = env.layout, site.key if site else None, \
            decoded.encoding, removed
    return Record(
        doc_id=doc_id_for(source_path),
        source_path=source_path,
        content_sha256=sha,
        size_bytes=size,
        layout=env.layout,
        site=site.key if site else None,
        title=title,
        published_at=published.astimezone(dt.timezone.utc) if published else None,
        date_source=date_source,
        publisher=publisher,
        url=env.url or env.share_url,
        authors=authors,
        editors=merge_unique(env.editors, findings.editors),
        categories=env.categories,
        tags=env.tags,
        tickers=tickers,
        images=_unique_images(images),
        text=text,
        encoding=decoded.encoding,
        rules_fired=list(dict.fromkeys(rules)),
    )


def _title_authors(title: str | None, site: Site | None, texts: list[str], byline_authors: list[str],
                   rules: list[str]) -> list[str]:
    """Columnists named by the title: a site pattern, else ``NAME：`` absent from the body."""
    if not title:
        return list(byline_authors)
    for p, rule in [*((p, "title_author") for p in (site.title_author if site else ())),
                    *((p, "title_author:generic") for p in general_rules().title_author)]:
        m = p.search(title)
        if m:
            rules.append(rule)
            return merge_unique(split_names(m.group("name")), byline_authors)
    m = general_rules().title_columnist.match(title)
    if m and not byline_authors:
        name = m.group("name")
        if name not in "".join(texts) and not general_rules().not_a_name.search(name):
            rules.append("title_columnist")
            return [name]
    return list(byline_authors)


def _unique_images(images: list[Image]) -> list[Image]:
    seen: dict[str, Image] = {}
    for im in images:
        if im.url not in seen:
            seen[im.url] = im
    return list(seen.values())
