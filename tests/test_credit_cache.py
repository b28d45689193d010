"""parse_credit remembers short texts: every call still gets its own lists."""
from __future__ import annotations

from transforms import credits
from transforms.credits import parse_credit


def test_remembered_credit_is_a_fresh_object_each_time() -> None:
    first = parse_credit("记者：经纬 责编：何平")
    assert first is not None and first.authors == ["经纬"] and first.editors == ["何平"]
    first.authors.append("某人")
    second = parse_credit("记者：经纬 责编：何平")
    assert second is not None and second.authors == ["经纬"] and second is not first


def test_long_text_is_parsed_without_being_remembered() -> None:
    text = "记者" + "为什么" * 100
    before = credits._remembered_credit.cache_info().currsize
    assert parse_credit(text) is None
    assert credits._remembered_credit.cache_info().currsize == before
