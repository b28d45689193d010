"""A text archive's title line: a short first line over labelled or date lines names the file;
a first line that is a sentence, or that nothing labelled follows, never becomes a title."""
from __future__ import annotations

import datetime as dt

from tests.conftest import FIXTURES
from transforms.pipeline import clean_document
from transforms.records import Record

TEXT = FIXTURES / "text_header"


def _clean(name: str) -> Record:
    record = clean_document((TEXT / name).read_bytes(), name)
    assert isinstance(record, Record), record
    return record


def test_title_source_author_and_date_lines() -> None:
    r = _clean("canteen.txt")
    assert r.title == "社区食堂开到了家门口"
    assert r.published_at == dt.datetime(2021, 5, 9, 2, 30, tzinfo=dt.UTC)  # 10:30 China time
    assert r.publisher == "城市晚报" and r.authors == ["陈立"]
    assert r.text == "家住老城区的王奶奶，这个月开始在社区食堂吃午饭。\n\n一荤两素一汤，只要十二元。"


def test_labelled_chinese_date_only() -> None:
    r = _clean("spring.txt")
    assert r.title == "春耕时节的田野"
    assert r.published_at == dt.datetime(2021, 4, 1, 16, 0, tzinfo=dt.UTC)  # midnight China time
    assert r.text == "田里一片忙碌。"


def test_a_first_line_with_nothing_labelled_under_it_is_text() -> None:
    r = _clean("no-title.txt")
    assert r.title is None and r.published_at is None
    assert r.text.startswith("各位读者好")


def test_an_english_header_byline_date_and_link() -> None:
    """``By NAME`` (no colon), an English month date and a ``Link:`` line are the header's metadata, not text."""
    r = _clean("ferry-en.txt")
    assert r.title == "Harbour ferry adds a late sailing"
    assert r.authors == ["Ann Lee", "Tom Wu"]
    assert r.published_at == dt.datetime(2020, 3, 3, 10, 30, tzinfo=dt.UTC)  # 18:30 at the default offset
    assert r.url == "https://harbour.example/ferry-late"
    assert r.text == "The harbour ferry will run a last sailing at 23:00 from next week."


def test_english_source_and_author_labels() -> None:
    """The block rules read only Chinese labels; ``Source:`` and ``Author:`` under a title line are read by the header."""
    r = _clean("farm-en.txt")
    assert r.publisher == "Valley Courier" and r.authors == ["Jo Park"]
    assert r.published_at is None and r.text == "A farm shop opened on Saturday."
