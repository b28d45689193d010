"""One article per JSON file (news-please, newspaper3k, a crawler's own keys): the ``json`` layout.

The ``json_records`` family (tests/test_families.py) scores whole records; these pin the edges:
what is not such a record, the forms a field comes in, and that any JSON gives a record or a reject.
"""
from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.layouts import json_record, split_layout
from transforms.pipeline import clean_document
from transforms.records import Record, Reject


def _clean(data: object, name: str = "rec.json") -> Record | Reject:
    return clean_document(json.dumps(data, ensure_ascii=False).encode(), name)


def test_a_newspaper_style_record() -> None:
    r = _clean({"title": "Ferry timetable cut", "text": "First paragraph of the story.\n\nSecond paragraph.",
                "authors": ["Claire Donovan", "Reuters Staff", "Millbrook Gazette"], "meta_site_name": "Millbrook Gazette",
                "publish_date": "2021-11-04T09:15:00-05:00", "url": "https://millbrook.example/ferry",
                "source_url": "https://millbrook.example", "keywords": ["ferry"]})
    assert isinstance(r, Record) and r.layout == "json"
    assert r.title == "Ferry timetable cut" and r.url == "https://millbrook.example/ferry"
    assert r.text == "First paragraph of the story.\n\nSecond paragraph."
    assert r.authors == ["Claire Donovan"]  # the desk and the site itself are no person
    assert r.publisher == "Millbrook Gazette" and r.tags == []  # keywords are extracted, not the source's tags
    assert r.published_at == dt.datetime(2021, 11, 4, 14, 15, tzinfo=dt.UTC) and r.date_source == "json_record"


def test_a_crawlers_pinyin_record_with_credit_fields_and_epoch_milliseconds() -> None:
    r = _clean({"biaoti": "口袋公园环线开放", "laiyuan": "江城日报", "zuozhe": "记者 胡晓 林雨桐", "zeren_bianji": "责编：邓雪",
                "fabu_shijian": 1620517500000, "zhengwen": "　　江城首条口袋公园环线昨天开放。\n　　环线全长约3.2公里。\n（完）"})
    assert isinstance(r, Record), r
    assert r.title == "口袋公园环线开放" and r.publisher == "江城日报"
    assert r.authors == ["胡晓", "林雨桐"] and r.editors == ["邓雪"]
    assert r.published_at == dt.datetime(2021, 5, 8, 23, 45, tzinfo=dt.UTC)
    assert r.text == "江城首条口袋公园环线昨天开放。\n\n环线全长约3.2公里。"


def test_a_title_page_with_the_sites_name_is_publisher_evidence() -> None:
    env = split_layout(json.dumps({"title": "Bridge reopens", "title_page": "Bridge reopens | Riverside Gazette",
                                   "maintext": "The bridge reopened.", "date_publish": "2020-03-03 08:15:00"}))
    assert env.layout == "json" and env.title_suffix == "Riverside Gazette"
    assert env.published == dt.datetime(2020, 3, 3, 0, 15, tzinfo=dt.UTC)  # no offset: China time


def test_what_is_not_a_json_record() -> None:
    for text in ("{not json", '{"title": "x"', "[" * 100000, "[标题](https://x.example/1)\n-----\n正文"):
        assert not json_record.detect(text), text[:40]
    for text in ('["a", "b"]', '{"id": 1, "tags": ["x"]}'):  # JSON, but no article: a reject that says so
        r = clean_document(text.encode(), "x.json")
        assert isinstance(r, Reject) and r.reason == "unknown_layout", text
    assert json_record.detect('\ufeff  {"headline": "x"}')
    deep = '{"title": "t", "text": "body", "x": ' + "[" * 50000 + "]" * 50000 + "}"
    r = clean_document(deep.encode(), "deep.json")
    assert isinstance(r, (Record, Reject)) and not (isinstance(r, Reject) and r.reason == "error")


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                     max_leaves=20)
_field_keys = st.sampled_from(["title", "text", "content", "maintext", "authors", "author", "editor", "date_publish",
                               "publish_date", "pub_time", "url", "link", "source", "categories", "tags", "title_page"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_field_keys, _json, max_size=8))
def test_any_record_of_known_keys_gives_a_record_or_a_reject(data: dict) -> None:
    r = _clean(data)
    assert isinstance(r, (Record, Reject))
    assert not (isinstance(r, Reject) and r.reason == "error"), r.detail


def test_json_lines_and_arrays_of_records_are_rejected_whole_with_the_count() -> None:
    one = {"title": "Bridge reopens", "text": "The bridge reopened on Tuesday."}
    lines = "\n".join(json.dumps({**one, "url": f"https://x.example/{i}"}) for i in range(3)) + "\n"
    for raw, kind in ((lines, "JSON Lines with 3 records"), (json.dumps([one, one]), "a JSON array with 2 records")):
        r = clean_document(raw.encode(), "feeds/items.jl")
        assert isinstance(r, Reject) and r.reason == "json_many_records" and kind in r.detail, r
    r = _clean([one])  # an array of one record is that record
    assert isinstance(r, Record) and r.title == "Bridge reopens"
    # lines of JSON that are no articles: not records, and not a text of JSON either
    r = clean_document(b'{"a": 1}\n{"b": 2}\n', "feeds/other.jl")
    assert isinstance(r, Reject) and r.reason == "unknown_layout" and "top-level keys: a" in r.detail, r


def test_json_that_holds_no_article_record_is_rejected_with_its_keys() -> None:
    ghost = {"db": [{"meta": {"exported_on": 1}, "data": {"posts": [{"title": "x", "html": "<p>y</p>"}]}}]}
    for data in (ghost, [1, 2, 3], {"headline_text": "A story", "story": "Its body."}):
        r = _clean(data)
        assert isinstance(r, Reject) and r.reason == "unknown_layout", r
        assert "JSON with no article record" in r.detail
    assert "headline_text, story" in _clean({"headline_text": "A story", "story": "Its body."}).detail
    assert "db" in _clean(ghost).detail
