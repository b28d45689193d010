"""One article per JSON file: what news scrapers write (news-please, newspaper3k, a crawler's own records).

Each field is read from the first non-empty key of its list in the general table
(``[json_keys]``: ``maintext``/``text``/``content``…, ``date_publish``/``publish_date``/
``pub_time``…, and the pinyin keys Chinese crawlers use, ``biaoti``, ``zhengwen``…), so a new
scraper's record is a key list entry, not new code. The body may be HTML (a crawler's
``content``) or plain text, whose lines are paragraphs (a scraper's text has no hard wraps).
Credit fields are read as credits (``"记者 周航 林雨桐"``, ``"责编：邓雪"``); an author entry
that is the outlet itself or a desk ("Reuters Staff") names no person. A title field that
carries a site suffix (news-please's ``title_page``) is publisher evidence.

Only a file that opens with ``{`` and parses as one JSON object with a title or body key is such
a record (or a JSON array holding just one). Other JSON (an export of a whole blog, a config
file, a scraper whose field names no key list has) is an ``unknown_layout`` reject that lists
its top-level keys, never a record whose text is JSON. A file of several such records (JSON Lines, as
Scrapy's ``.jl`` feeds and news-please's exports write them, or an array) is not one article:
it is rejected (``json_many_records``) with the count, never read as one text or cut to its
first record. Text that is not JSON is left to the next layout.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache

from transforms.body_format import paragraphs_html
from transforms.credits import parse_credit
from transforms.decode import DecodeError
from transforms.general_rules import general_rules
from transforms.layouts.base import Envelope
from transforms.metadata import epoch_datetime, parse_datetime, split_names
from transforms.publisher import looks_like_outlet, split_title_suffix

NAME = "json"
_OPENS = re.compile(r"\A\ufeff?\s*[\[{]")
_HTML_BODY = re.compile(r"<(?:p|br|div|section|h[1-6]|img|figure|ul|ol|li|blockquote|table|span|strong|em|b|a)\b", re.I)
# An author entry that is a newsroom, not a person: "Reuters Staff", "Editorial Team", "News Desk".
_DESK = re.compile(r"\b(?:staff|team|desk|newsroom|editorial|editors|reporters|correspondents)\b", re.I)
_MAX_TEXT = 64 * 1024 * 1024


def _is_article(data: object) -> bool:
    keys = general_rules().json_keys
    return isinstance(data, dict) and (_first(data, keys["title"]) is not None or _first(data, keys["body"]) is not None)


@lru_cache(maxsize=1)  # split() parses what detect() just parsed; one text held, not more
def _parsed(text: str) -> tuple[str, list[object]] | None:
    """``(kind, values)`` of a text that is JSON: one value, an array's items or JSON Lines; else None."""
    if not _OPENS.match(text) or len(text) > _MAX_TEXT:
        return None
    body = text.lstrip("\ufeff")
    try:
        data = json.loads(body)
    except RecursionError:
        return None
    except ValueError:
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) < 2:
            return None
        try:
            return "JSON Lines", [json.loads(line) for line in lines]
        except (ValueError, RecursionError):
            return None
    return ("a JSON array", data) if isinstance(data, list) else ("a JSON object", [data])


def _record(text: str) -> dict:
    """The one article record of a JSON text; a reject for several, or for JSON that holds none."""
    kind, values = _parsed(text)  # type: ignore[misc]
    if values and all(_is_article(v) for v in values):
        if len(values) > 1:
            raise DecodeError("json_many_records", f"{kind} with {len(values)} records, not one article")
        return values[0]  # type: ignore[return-value]
    # JSON, but no record of an article: its keys say what a key list would need
    first = next((v for v in values if isinstance(v, dict)), {})
    keys = ", ".join(map(str, list(first)[:12])) or "none"  # type: ignore[arg-type]
    raise DecodeError("unknown_layout", f"JSON with no article record (top-level keys: {keys}); "
                      "a scraper's own field names go in [json_keys] of the general table")


def detect(text: str) -> bool:
    return _parsed(text) is not None


def _first(data: dict, keys: tuple[str, ...]) -> object | None:
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _string(value: object) -> str | None:
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _date(value: object) -> dt.datetime | None:
    """An ISO, Chinese or RFC 2822 string, or epoch seconds (milliseconds when that large)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{10}(?:\d{3})?", value.strip())):
        return epoch_datetime(value)
    return parse_datetime(value) if isinstance(value, str) else None


def _people(value: object, editors: bool) -> list[str]:
    """Names from a credit field: a list of names, or one credit (``记者 周航 林雨桐``, ``责编：邓雪``)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if not isinstance(item, str) or not item.strip():
            continue
        credit = parse_credit(item.strip())
        if credit is not None:
            names += credit.editors if editors else credit.authors
        else:
            names += split_names(item)
    return list(dict.fromkeys(n for n in names if n))


def _labels(value: object) -> list[str]:
    """Categories or tags: a list of labels or one label."""
    items = value if isinstance(value, list) else [value]
    return [label for v in items if (label := _string(v))]


def _body(value: object) -> str:
    if isinstance(value, list):  # paragraphs as a list
        value = "\n".join(v for v in value if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    if _HTML_BODY.search(value):
        return value
    return paragraphs_html("\n\n".join(value.splitlines()))  # a scraper's lines are its paragraphs


def split(text: str) -> Envelope:
    data = _record(text)
    g = general_rules()
    keys = g.json_keys
    title = _string(_first(data, keys["title"]))
    source = _string(_first(data, keys["source"]))
    page_title = _string(_first(data, keys["title_page"]))
    # The page's <title> is the headline and the site's name: "Headline | Some Gazette".
    if page_title and title and page_title != title and page_title.startswith(title):
        suffix = page_title[len(title):].strip(" |｜-–—_·:：") or None
    else:
        _, suffix = split_title_suffix(page_title)
    published = None
    for key in keys["date"]:
        published = _date(data.get(key))
        if published is not None:
            break
    url = _string(_first(data, keys["url"]))
    outlets = {n for n in (source, suffix) if n}
    authors = [a for a in _people(_first(data, keys["authors"]), editors=False)
               if a not in outlets and not looks_like_outlet(a) and a.casefold() not in g.account_names
               and not _DESK.search(a)]
    return Envelope(
        layout=NAME,
        body=_body(_first(data, keys["body"])),
        title=title,
        url=url if url and url.startswith(("http://", "https://")) else None,
        published=published,
        date_source="json_record" if published else None,
        categories=_labels(_first(data, keys["categories"])),
        tags=_labels(_first(data, keys["tags"])),
        authors=authors,
        editors=_people(_first(data, keys["editors"]), editors=True),
        source_name=source,
        title_suffix=suffix,
        rules_fired=["json_record"],
    )
