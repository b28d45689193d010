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
from transforms.boilerplate import AnyOf, literal_prefilter, required_literals
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
        c = re.compile(p, flags)
        return required_literals(boilerplate._sre_parse.parse(c.pattern, c.flags), bool(c.flags & re.I))

    assert lits(r"^原文(?:地址|链接)[：:]") == {"原文"}  # the best of {"原文"} and {"地址", "链接"}
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
