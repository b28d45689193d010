"""The literal prefilters in front of the block rules must never hide a match.

``boilerplate.literal_prefilter`` reads, from each parsed rule, literal words one of
which every match contains; a block without any of them skips the rules. These
tests generate strings that match each rule (hypothesis ``from_regex``) and check
that the prefilter lets every one of them through.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import boilerplate
from transforms.boilerplate import AnyOf, literal_prefilter
from transforms.regex_literals import required_literals
from transforms.sites import all_sites

_RULES = [p for _, p, _ in boilerplate.DROP_BLOCK_RULES] + [
    boilerplate._TAG_RESIDUE, boilerplate._MD_LINK, boilerplate.TRAILING_NOTICE, boilerplate.DISCLAIMER,
] + [p for s in all_sites() for p in (*s.drop_blocks, *s.drop_short_blocks)]


@pytest.mark.parametrize("pattern", _RULES, ids=lambda p: p.pattern[:40])
def test_prefilter_lets_every_match_through(pattern: re.Pattern[str]) -> None:
    maybe = literal_prefilter((pattern,))
    both = literal_prefilter((pattern, re.compile("zzz")))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern), st.text(max_size=20), st.text(max_size=20))
    def check(match: str, before: str, after: str) -> None:
        text = before + match + after
        if pattern.search(text):
            assert maybe(text) and both(text)

    check()


def test_required_literals() -> None:
    def lits(p: str, flags: int = 0) -> set[str] | None:
        return required_literals(p, bool(flags & re.I))

    assert lits(r"^原文(?:地址|链接)[：:]") == {"原文"}  # the best of {"原文"} and {"地址", "链接"}
    assert lits(r"(?<!记者)(?P<name>王明)\s*报道") == {"王明"}  # lookarounds require nothing
    assert lits(r"a\.b\u4e2d[x-z]") == {"a.b中x", "a.b中y", "a.b中z"}  # escapes and small ranges
    assert lits(r"[a-z]+新闻") == {"新闻"}  # a large range is no literal
    assert lits(r"x{,2}") is None and lits(r"x{,2}z") == {"z"}  # {,2} may be none
    assert lits(r"x{2,3}|y+") == {"x", "y"}
    assert lits(r"a{b") == {"a{b"}  # a brace that is no quantifier is a literal, as in re
    assert lits(r"(?i)abc") is None and lits(r"(?s:a)bc") is None  # inline flags: not read
    assert lits(r"[^。]{1,4}代表") == {"代表"}
    assert lits(r"(?:abc") is None  # not a pattern re would compile
    assert lits(r"abc|\d+") is None  # one alternative has no literal: no prefilter
    assert lits(r"小[铃鈴]铛") == {"小铃铛", "小鈴铛"}
    assert lits(r"x?y*") is None  # optional parts are not required
    assert lits(r"^The Epoch Times", re.I) == {" "}  # under IGNORECASE only uncased characters count
    assert literal_prefilter(())("anything") is False
    assert literal_prefilter((re.compile(r"\d+"),))("no digits")  # unknown: always try the rule


def test_any_of() -> None:
    rules = AnyOf((re.compile(r"^关注我们"), re.compile(r"扫码.{0,4}下载")))
    assert rules.search("请扫码免费下载")
    assert not rules.search("正文")
    assert not AnyOf(()).search("正文")
