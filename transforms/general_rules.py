"""The general rules: shapes every outlet uses, kept as one table (``sites/general.toml``).

The trafilatura way: the cleaning code applies expressions it does not own. This
module is the one place that reads ``general.toml`` and merges into it what the site
tables add (their names for credits, widgets, mirror footers, image patterns), so
no outlet name, domain or site phrase lives in Python code. It is rebuilt when
:func:`transforms.sites.reload_sites` runs (``NEWS_ETL_DISABLE_SITES`` /
``NEWS_ETL_SITES`` changed), so leaving a table out takes its knowledge away here too.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from transforms import sites

# Numerals of a date: ASCII, full-width, Chinese (二〇二〇, 二零二一, 十二, 二十三, 廿三, 卅一).
_CN = "〇零一二三四五六七八九"
_PLACEHOLDERS = {
    "{Y}": rf"\d{{4}}|[０-９]{{4}}|[{_CN}]{{4}}",
    "{M}": r"\d{1,2}|[０-９]{1,2}|十[一二]?|[一二三四五六七八九]",
    "{D}": r"\d{1,2}|[０-９]{1,2}|[二三]?十[一二三四五六七八九]?|廿[一二三四五六七八九]?|卅一?|[一二三四五六七八九]",
    "{T}": r"(?P<H>[0-2]?\d)\s*[:：]\s*(?P<M>[0-5]\d)(?:\s*[:：]\s*(?P<S>[0-5]\d))?",
}
_CN_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def numeral(text: str) -> int | None:
    """The value of a date numeral in ASCII, full-width or Chinese digits; None when it is not one."""
    text = text.strip().translate(_FULL_WIDTH)
    if text.isascii():
        return int(text) if text.isdigit() else None
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _, units = text.partition("十")
        t = _CN_VALUE.get(tens, -1) if tens else 1
        u = _CN_VALUE.get(units, -1) if units else 0
        return t * 10 + u if t >= 0 and u >= 0 and len(tens) <= 1 and len(units) <= 1 else None
    digits = [_CN_VALUE.get(c) for c in text]
    if not digits or None in digits:
        return None
    return int("".join(str(d) for d in digits))


@dataclass(frozen=True)
class NamedPattern:
    """A rule of the table. Its named groups ``source``, ``site``, ``authors``, ``editors`` and ``url``,
    where it has them, are metadata the matched text gives before it is removed."""

    name: str
    pattern: re.Pattern[str]
    short: bool = True


@dataclass(frozen=True, eq=False)
class Widget:
    """A widget delimited in the HTML (a stock quote box): removed, the codes it names kept as tickers."""

    name: str
    block: re.Pattern[str]
    marker: str
    codes: tuple[re.Pattern[str], ...]
    markets: dict[str, str]


@dataclass(frozen=True, eq=False)
class InfoLine:
    """The parts a CMS info line may consist of (``[info_line]`` of the table)."""

    name: str
    label: re.Pattern[str]  # group "label": a source, author or editor label with its colon
    kinds: dict[str, str]  # label -> "source" | "author" | "editor"
    timestamp: re.Pattern[str]
    furniture: re.Pattern[str]


def _class_words(words: list[str]) -> re.Pattern[str]:
    """Whole class/id words (split at spaces, ``-`` and ``_``), so ``comments`` matches and ``commentary`` does not."""
    return re.compile(r"(?:^|[\s_-])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                      + r")(?:$|[\s_])", re.I)


@dataclass(frozen=True, eq=False)
class GeneralRules:
    default_tz: dt.tzinfo
    self_references: tuple[str, ...]
    wire_agencies: tuple[str, ...]
    outlet_names: tuple[str, ...]  # every name a credit may open with: self references, agencies, known outlets
    outlet_suffixes: tuple[str, ...]
    site_name_endings: tuple[str, ...]
    url_keys: tuple[str, ...]
    url_dates: tuple[re.Pattern[str], ...]
    title_author: tuple[re.Pattern[str], ...]
    author_keys: tuple[str, ...]
    account_names: frozenset[str]  # lowercased CMS accounts a front-matter author key may hold ("admin")
    page_furniture: re.Pattern[str]  # class/id words of a saved page's comment threads, related posts, share kits
    platform_names: frozenset[str]  # og:site_name values of platforms that host many publishers' accounts
    page_accounts: tuple[re.Pattern[str], ...]  # the posting account on such a page: group "name"
    page_dates: tuple[re.Pattern[str], ...]  # a saved page's date element (group "date") or script epoch ("epoch")
    json_keys: dict[str, tuple[str, ...]]  # a JSON record's field -> the keys it is read from, in order
    title_suffix: re.Pattern[str]
    datelines: tuple[NamedPattern, ...]
    timestamp_lines: tuple[NamedPattern, ...]
    drop_blocks: tuple[NamedPattern, ...]
    edge_blocks: tuple[NamedPattern, ...]
    credit_sentences: tuple[NamedPattern, ...]
    origin_links: tuple[NamedPattern, ...]
    info_line: InfoLine
    widgets: tuple[Widget, ...]
    widget_leftovers: tuple[re.Pattern[str], ...]
    footer_texts: tuple[str, ...]
    not_article_images: re.Pattern[str]
    title_columnist: re.Pattern[str]  # a columnist's name at the head of a title: group "name"
    not_a_name: re.Pattern[str]  # headline labels in that place that are no name (language knowledge)


# Images that are never article images on any page: pixels, spacers, icons, QR codes, zoom buttons.
_GENERAL_NOT_IMAGES = r"icon-zoom|/pixel|spacer\.gif|blank\.gif|qrcode|/icons?/"


def _offset(text: str) -> dt.tzinfo:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0)))


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _expand(pattern: str, agencies: tuple[str, ...], outlet_suffixes: tuple[str, ...] = ()) -> str:
    for key, value in _PLACEHOLDERS.items():
        pattern = pattern.replace(key, value)
    return pattern.replace("{AGENCIES}", _alternatives(agencies)).replace("{OUTLET_SUFFIXES}", _alternatives(outlet_suffixes))


@lru_cache(maxsize=1)
def _table() -> dict:
    return tomllib.loads(resources.files(sites.__name__).joinpath("general.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def general_rules() -> GeneralRules:
    """The general table with what the loaded site tables add to it."""
    t = _table()
    agencies = tuple(t["wire_agencies"])
    loaded = sites.all_sites()
    names = {*t["self_references"], *agencies, *sites.publisher_aliases()}
    widgets = tuple(
        Widget(name=w.get("name", "widget"), block=re.compile(w["block"], re.S | re.I), marker=w["marker"],
               codes=tuple(re.compile(c) for c in w.get("codes", ())), markets=dict(w.get("markets", {})))
        for s in loaded for w in s.widgets)
    leftovers = tuple(re.compile(p) for s in loaded for w in s.widgets for p in w.get("leftover_blocks", ()))
    images = "|".join([_GENERAL_NOT_IMAGES, *(p for s in loaded for p in s.drop_images)])

    suffixes = tuple(t["outlet_suffixes"])

    def named(key: str) -> tuple[NamedPattern, ...]:
        return tuple(NamedPattern(d["name"], re.compile(_expand(d["pattern"], agencies, suffixes), re.I if d.get("ignore_case") else 0),
                                  d.get("short", True)) for d in t.get(key, ()))

    return GeneralRules(
        default_tz=_offset(t["default_utc_offset"]),
        self_references=tuple(t["self_references"]),
        wire_agencies=agencies,
        outlet_names=tuple(sorted((n for n in names if n), key=len, reverse=True)),
        outlet_suffixes=tuple(sorted(t["outlet_suffixes"], key=len, reverse=True)),
        site_name_endings=tuple(t["site_name_endings"]),
        url_keys=tuple(t["url_keys"]),
        url_dates=tuple(re.compile(p) for p in t["url_dates"]),
        title_author=tuple(re.compile(p) for p in t["title_author"]),
        author_keys=tuple(t["author_keys"]),
        account_names=frozenset(n.casefold() for n in t.get("account_names", ())),
        page_furniture=_class_words(t["page_furniture"]),
        platform_names=frozenset(t.get("platform_names", ())),
        page_accounts=tuple(re.compile(p) for p in t.get("page_accounts", ())),
        page_dates=tuple(re.compile(p, re.I) for p in t.get("page_dates", ())),
        json_keys={field: tuple(keys) for field, keys in t.get("json_keys", {}).items()},
        title_suffix=re.compile(t["title_suffix"]),
        datelines=named("datelines"),
        timestamp_lines=named("timestamp_lines"),
        drop_blocks=named("drop_blocks"),
        edge_blocks=named("edge_blocks"),
        credit_sentences=named("credit_sentences"),
        origin_links=named("origin_links"),
        info_line=_info_line(t["info_line"]),
        widgets=widgets,
        widget_leftovers=leftovers,
        footer_texts=tuple(f for s in loaded for f in s.footer_texts),
        not_article_images=re.compile(images, re.I),
        title_columnist=re.compile(t["title_columnist"]["pattern"]),
        not_a_name=re.compile("|".join(t["title_columnist"]["not_a_name"])),
    )


def _info_line(t: dict) -> InfoLine:
    kinds = {lab: kind for kind in ("source", "author", "editor") for lab in t[f"{kind}_labels"]}
    labels = "|".join(re.escape(lab) for lab in sorted(kinds, key=len, reverse=True))
    return InfoLine(
        name=t["name"],
        label=re.compile(rf"(?:^|(?<=[\s|｜/]))(?P<label>{labels})\s*[：:]\s*"),
        kinds=kinds,
        timestamp=re.compile(_expand(t["timestamp"], ())),
        furniture=re.compile(_expand(t["furniture"], ())),
    )


def default_tz() -> dt.tzinfo:
    """The zone of a clock reading that names none (the table's ``default_utc_offset``)."""
    return _offset(_table()["default_utc_offset"])


sites.on_reload(general_rules.cache_clear)
