"""html_blocks: site XPaths tested during the prune walk agree with lxml's XPath."""
from __future__ import annotations

import pytest
from lxml import etree

from transforms import html_blocks

PAGE = """<html><body>
<div id="txt-mid1" class="a">ad one</div>
<p id="story_video">video</p><span class="x single_ad y">in a span</span>
<div class="x single_ad y">ad div <b id="txt-mid2">nested</b></div>
<div class="AD_Embed__Wrap">embed</div><div id="">empty id</div>
<ul><li><span class="result-title">related</span></li></ul><p ID="zoomattribute">zoom</p>
<p>story text</p>
</body></html>"""

XPATHS = [
    "//*[starts-with(@id,'txt-mid')]",
    "//*[@id='story_video']",
    "//div[contains(@class,'single_ad')]",
    "//*[contains(@class,'AD_Embed')]",
    "//ul[.//span[contains(@class,'result-title')]]",  # not a simple form: left to lxml
    "//*[@id='zoomattribute']",
    "//*[@id='']",
    "//span[contains(@class,'single_ad')]",
    "//*[contains(@class,'nowhere')]",
    "//*[[bad",  # an XPath error: skipped, as before
]


def _removed_by_site(xpaths: list[str]) -> list[tuple[str, str]]:
    root = html_blocks.parse(PAGE)
    removed: list[tuple[str, str]] = []
    html_blocks.prune(root, xpaths, removed, [])
    return [r for r in removed if r[0].startswith("site_xpath:")]


def _expected(xpaths: list[str]) -> list[tuple[str, str]]:
    """What evaluating every XPath with lxml, in list order, removes."""
    root = html_blocks.parse(PAGE)
    doomed = []
    for xp in xpaths:
        try:
            doomed += [(el, f"site_xpath:{xp}") for el in root.xpath(xp)]
        except etree.XPathError:
            continue
    seen: set[int] = set()
    out = []
    for el, rule in doomed:  # removed one by one, as prune does: a snippet no longer shows what went before
        if id(el) not in seen:
            seen.add(id(el))
            out.append((rule, html_blocks._snippet(el)))
            html_blocks._drop_keep_tail(el)
    return out


def test_simple_forms_are_recognised() -> None:
    tests, others = html_blocks._site_tests(tuple(XPATHS))
    assert [i for i, _ in others] == [4, 9]
    assert {attr for attr, _ in tests} == {"id", "class"}


@pytest.mark.parametrize("xpaths", [XPATHS, XPATHS[::-1], XPATHS[:3], [XPATHS[4], XPATHS[2]]])
def test_site_xpaths_remove_what_lxml_finds_in_the_same_order(xpaths: list[str]) -> None:
    assert _removed_by_site(xpaths) == _expected(xpaths)


def test_whitespace_between_blocks_makes_no_block() -> None:
    root = html_blocks.parse("<div>\n  <p>\n one </p>\n <br> \n<p>two<b> three</b></p>\n</div>")
    html_blocks.prune(root, (), None, [])
    assert [b.text for b in html_blocks.blocks(root)] == ["one", "two three"]


def test_class_and_style_verdicts_are_the_same_remembered_or_not() -> None:
    long_pad = "x" * (html_blocks._REMEMBER_MAX + 1)
    for hints, caption_tag, rule in (("adsbygoogle ", False, "ad"), ("wp-caption-text ", True, "caption"),
                                     ("wp-caption-text ", False, None), (long_pad + " ad", False, "ad"),
                                     ("post_content ", True, None)):
        assert html_blocks._hint_rule(hints, caption_tag) == rule
        assert html_blocks._read_hint(hints, caption_tag) == rule
    for style, hidden in (("color:red;display:none;", True), ("DISPLAY : NONE", True), (long_pad + ";visibility:hidden", True),
                          ("display:block", False)):
        assert html_blocks._hidden_style(style) is hidden
    before = html_blocks._remembered_hint.cache_info().currsize
    html_blocks._hint_rule(long_pad + " banner", False)
    assert html_blocks._remembered_hint.cache_info().currsize == before
