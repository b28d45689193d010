"""The gold measures, as ``../shared/tools/score_gold.py`` defines them."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from transforms.pipeline import clean_document
from transforms.records import Record

LEAK_MARKERS = ["手机上长按并复制", "原文地址（需翻墙访问）", "原文链接：", "EM_StockImg", "一键翻墙软件", "手把手翻墙教程",
                "返回首页", "翻墙必看视频", "网站代理：", "K图 ", "责任编辑：", "文章来源：", "gfw-breaker", "data-code",
                "<p", "<div", "&nbsp;", "**"]


def bigrams(s: str | None) -> Counter:
    s = re.sub(r"\s+", "", s or "")
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


def bigram_f1(pred: str | None, gold: str | None) -> float:
    p, g = bigrams(pred), bigrams(gold)
    if not p and not g:
        return 1.0
    inter = sum((p & g).values())
    prec, rec = inter / max(1, sum(p.values())), inter / max(1, sum(g.values()))
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def paragraphs(s: str | None) -> set[str]:
    return {re.sub(r"\s+", " ", x).strip() for x in (s or "").split("\n\n") if x.strip()}


def set_f1(pred, gold) -> float:
    pred, gold = set(pred or []), set(gold or [])
    if not pred and not gold:
        return 1.0
    inter = len(pred & gold)
    if not inter:
        return 0.0
    p, r = inter / len(pred), inter / len(gold)
    return 2 * p * r / (p + r)


def norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def clean_fixture(root: Path, rel: str) -> Record:
    """The record ``clean_document`` makes of the fixture ``root/rel`` (which must be an article)."""
    rec = clean_document((root / rel).read_bytes(), rel)
    assert isinstance(rec, Record), rec
    return rec


def blocks(rec: Record) -> list[str]:
    """The record's text blocks, as the spec separates them."""
    return rec.text.split("\n\n")
