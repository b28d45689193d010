"""CJK-aware whitespace and credit parsing."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.credits import parse_credit
from transforms.text import is_cjk, normalize_inline, normalize_title


@pytest.mark.parametrize("raw,expected", [
    ("美国总统唐纳德·\n  川普\n  （\n  Matthew Carney\n  ）周四", "美国总统唐纳德·川普（Matthew Carney）周四"),
    ("中国 OTT 及", "中国 OTT 及"),
    ("said\n  Trump\n  .", "said Trump."),
    ("  两个\u3000汉字\xa0之间  ", "两个汉字之间"),
    ("巴尔（ Bob Barr）", "巴尔（ Bob Barr）"),
])
def test_normalize_inline(raw: str, expected: str) -> None:
    assert normalize_inline(raw) == expected


_WS = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def _runs_by_neighbours(text: str, keep_typed_spaces: bool) -> str:
    """The module docstring's rule, run by run, as a reader would apply it: the oracle."""
    text = re.sub("[\u00ad\u200c\u200d\u2060\ufffc]", "", text).strip()
    out, pos = [], 0
    for m in _WS.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        if m.start() == 0 or m.end() == len(text):
            continue  # a run at either end
        left, right = text[m.start() - 1], text[m.end()]
        if "\n" in m.group():  # layout: gone beside CJK, before a closing or after an opening mark
            gone = is_cjk(left) or is_cjk(right) or right in ".,;:!?)]}%'\"" or left in "([{"
        else:  # typed: gone between two CJK characters only
            gone = not keep_typed_spaces and is_cjk(left) and is_cjk(right)
        out.append("" if gone else " ")
    out.append(text[pos:])
    return "".join(out)


# Text made of the characters the rule tells apart: CJK (U+3000 among them: CJK range, yet
# whitespace), Latin, marks, every kind of whitespace run, zero-width and invisible characters.
_PIECES = st.sampled_from(["中", "國", "（", "）", "“", "”", "·", "a", "Z", "1", ".", ",", "(", ")", "[", "—", "…",
                           " ", "  ", "\n", " \n  ", "\t", "\u3000", "\xa0", "\u200b", "\ufeff", "\u2028",
                           "\u00ad", "\u200d", "𠀋", "한", "ー", "\r\n"])


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join), st.booleans())
def test_normalize_inline_follows_the_rule_run_by_run(text: str, keep_typed_spaces: bool) -> None:
    assert normalize_inline(text, keep_typed_spaces) == _runs_by_neighbours(text, keep_typed_spaces)


@given(st.text(max_size=40), st.booleans())
def test_normalize_inline_on_any_text(text: str, keep_typed_spaces: bool) -> None:
    assert normalize_inline(text, keep_typed_spaces) == _runs_by_neighbours(text, keep_typed_spaces)


def test_title_whitespace_and_entities() -> None:
    assert normalize_title('"京医通"停运惹民怨\u3000网友：社会的倒退') == '"京医通"停运惹民怨 网友：社会的倒退'
    assert normalize_title("&lt;蒙特利尔议定书&gt; **x**") == "<蒙特利尔议定书> x"


@pytest.mark.parametrize("line,authors,editors", [
    ("记者：经纬 责编：何平 网编：瑞哲", ["经纬"], ["何平", "瑞哲"]),
    ("自由亚洲电台记者 夏小华 台北报导 责编 许书婷 申铧 网编 瑞哲", ["夏小华"], ["许书婷", "申铧", "瑞哲"]),
    ("（新唐人记者顾帆综合报导/责任编辑：东野）", ["顾帆"], ["东野"]),
    ("（大纪元记者童云美国费城报导）", ["童云"], []),
    ("香港大纪元记者林可柔、梁珍采访报导", ["林可柔", "梁珍"], []),
    ("编辑/周玉林", [], ["周玉林"]),
    ("责任编辑：慧明/文思敏", [], ["慧明", "文思敏"]),
])
def test_credit_lines(line: str, authors: list[str], editors: list[str]) -> None:
    c = parse_credit(line)
    assert c is not None and c.authors == authors and c.editors == editors


@pytest.mark.parametrize("prose", [
    "记者：为什么现在他们用放大镜看全部与美国有关的东西？",
    "这名大陆网民说，因为疫情，公司倒闭，他为挣钱很久没有“翻墙”。",
    "编辑部昨天发表声明，称将继续报道此事。",
])
def test_prose_is_not_a_credit(prose: str) -> None:
    assert parse_credit(prose) is None
