"""The publisher of a page, by the spec's order of evidence.

With a site table the outlet is known: the table of the URL's domain, a source line
naming a known outlet, the outlet whose dateline opens the text. Without one the
page still names itself, and the general rules read it, in this order: the outlet
inside a bracketed dateline, a ``文章来源：X`` / ``来源：X`` line, ``og:site_name``, a
site suffix of the title, then the outlet a byline names before its reporter. A domain is the last resort, and the record says so
(rule ``publisher:domain``, flag ``publisher_from_domain``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.general_rules import general_rules
from transforms.sites import (
    Site,
    canonical_publisher,
    directory_publisher,
    host_of,
    publisher_aliases,
    site_by_key,
    site_for_categories,
    site_for_publisher,
    site_for_url,
)

# What a bracketed dateline puts after the outlet's name: "【某报记者站…", "【某台综合…".
_OUTLET_TAIL = re.compile(r"(?:驻[\u4e00-\u9fff]{1,6})?(?:记者站|記者站|记者|記者|综合|綜合|报道|報導|讯|訊|电|電)+$")
# A suffix that is a sentence or a headline's second half, not a site: clause punctuation, quotes.
_NOT_A_SITE = re.compile(r"[：:，,。？?！!“”\"《》「」（）()]")
_LATIN_SITE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[a-z]{2,}$|^[A-Z][\w&'.-]*(?: [A-Z][\w&'.-]*){0,4}$")


@dataclass
class Evidence:
    """What the page says about its outlet, gathered by the layout and the block rules."""

    url: str | None
    share_url: str | None
    layout: str
    categories: list[str]
    sources: list[str]
    dateline_site: str | None = None
    dateline_outlet: str | None = None
    site_name: str | None = None
    title_suffix: str | None = None
    credit_outlets: tuple[str, ...] = ()
    path_site: Site | None = None  # the table keyed by the file's folder, for pages no URL names a table for


def looks_like_site(suffix: str, site_name: str | None = None) -> bool:
    """A title suffix that names a site ("某某日报", "Example News"), not the rest of a headline."""
    suffix = suffix.strip()
    if not 2 <= len(suffix) <= 24 or _NOT_A_SITE.search(suffix):
        return False
    if suffix == site_name or suffix in publisher_aliases():
        return True
    g = general_rules()
    return suffix.endswith((*g.outlet_suffixes, *g.site_name_endings)) or bool(_LATIN_SITE.match(suffix))


def looks_like_outlet(name: str) -> bool:
    """A name with an outlet's ending ("某某日报", "某某周刊", "某某之声"): a publication, never a person."""
    return 3 <= len(name) <= 24 and name.endswith(tuple(general_rules().outlet_suffixes)) and not _NOT_A_SITE.search(name)


def split_title_suffix(title: str | None, site_name: str | None = None) -> tuple[str | None, str | None]:
    """``("标题", "SiteName")`` for ``"标题 - SiteName"`` / ``"标题 | SiteName"``; the title alone otherwise."""
    if not title:
        return title, None
    m = general_rules().title_suffix.search(title)
    if not m:
        return title, None
    suffix = (m.group("site") or m.group("site2") or "").strip()
    head = title[:m.start()].strip()
    if len(head) < 4 or not looks_like_site(suffix, site_name):
        return title, None
    return without_sections(head, title[m.start():].strip()[:1]), suffix


def without_sections(head: str, sep: str) -> str:
    """"标题 | 国际 | 某某网": the short section names between a headline and its site, written with the site's separator."""
    section = re.compile(rf"\s*{re.escape(sep)}\s*[^\s{re.escape(sep)}]{{1,6}}$")
    while (m := section.search(head)) and len(head[:m.start()].strip()) >= 4 and not _NOT_A_SITE.search(m.group(0)):
        head = head[:m.start()].strip()
    return head


def dateline_outlet(name: str | None) -> str | None:
    """The outlet's own name out of a bracketed dateline: "某某日报记者站" -> "某某日报"."""
    if not name:
        return None
    name = _OUTLET_TAIL.sub("", re.split(r"记者|記者", name.strip())[0]).strip(" ·")  # "某台记者王明" -> "某台"
    return name if 2 <= len(name) <= 20 and name not in general_rules().self_references else None


def _byline_outlet(name: str) -> str | None:
    """An outlet a byline names ("北岸日报记者…"): a known spelling, or a name with an outlet's ending."""
    name = re.sub(r"^(?:驻[\u4e00-\u9fff]{1,4})|(?:驻[\u4e00-\u9fff]{1,4})$", "", name.strip())
    if name in general_rules().self_references or not 2 <= len(name) <= 12:
        return None
    known = canonical_publisher(name)
    if known and known in publisher_aliases().values():
        return known
    return name if name.endswith(general_rules().outlet_suffixes) else None


def choose_publisher(ev: Evidence, rules: list[str]) -> tuple[Site | None, str | None]:
    """The outlet's table (if any) and the canonical publisher; the general rule that decided goes in ``rules``."""
    url_site = site_for_url(ev.url) or ev.path_site
    source = canonical_publisher(ev.sources[0]) if ev.sources else None
    if ev.layout == "jekyll" and source:
        return site_for_publisher(source) or url_site, source
    if url_site and url_site.publisher:  # a table without a name (a draft) leaves the publisher to the page
        return url_site, url_site.publisher
    host = host_of(ev.url)
    listed = directory_publisher(host) if host else None
    if listed:
        rules.append("publisher:directory")
        return site_for_publisher(listed), listed
    named = dateline_outlet(ev.dateline_outlet)
    if named:
        rules.append("publisher:dateline")
        named = canonical_publisher(named)
        return site_for_publisher(named), named
    if source:
        if not site_for_publisher(source):
            rules.append("publisher:source_line")
        return site_for_publisher(source), source
    named_site = site_by_key(ev.dateline_site) if ev.dateline_site else None
    if named_site:  # no URL: the outlet its dateline names
        return named_site, named_site.publisher
    for rule, name in (("publisher:site_name", ev.site_name), ("publisher:title_suffix", ev.title_suffix)):
        if name and name.strip():
            rules.append(rule)
            name = canonical_publisher(name)
            return site_for_publisher(name), name
    share_site = site_for_url(ev.share_url) or site_for_categories(ev.categories)
    if share_site:
        return share_site, share_site.publisher
    byline = next((n for n in map(_byline_outlet, ev.credit_outlets) if n), None)
    if byline:
        rules.append("publisher:byline")
        return site_for_publisher(byline), byline
    bare = host.removeprefix("www.") or None
    if bare:
        rules.append("publisher:domain")
    return None, bare
