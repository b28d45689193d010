"""Block-level boilerplate rules, kept as tables of expressions apart from the
code that applies them (the trafilatura way).

Three kinds of rule act on the block list produced by :mod:`html_blocks`:

- ``DROP_BLOCK_RULES``: a block matching one of these anywhere in the article
  is removed (promo, share, appeal, disclaimer, related-reading lines);
- leading rules: a repeated title, datelines and bylines stripped from the
  first block, giving a date and authors;
- trailing rules: credit, editor and source lines and end marks stripped from
  the last blocks, giving authors, editors and a publisher.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from transforms.credits import parse_credit
from transforms.html_blocks import Block
from transforms.metadata import merge_unique
from transforms.sites import publisher_aliases

_R = re.compile
# Rules that only apply to short blocks: in a long paragraph these words are prose.
SHORT_BLOCK = 80

# (name, pattern, applies to blocks of any length?)
DROP_BLOCK_RULES: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("share_footer", _R(r"^手机上长按并复制|分享本文章|^https?://\S+$"), True),
    ("original_link", _R(r"^原文(?:地址|链接|網址)[^：:]{0,12}[：:]"), True),
    ("circumvention", _R(r"翻[墙牆](?:教程|软件|軟體|软体|必看|工具|方法|浏览|瀏覽|访问|訪問)|(?:免|一键|一鍵)翻[墙牆]|网站代理[：:]|無界瀏覽|无界浏览|自由门|自由門|动态网|動態網"), False),
    ("video_promo", _R(r"^(?:点击|點擊)?(?:观看|觀看)(?:完整)?(?:视频|視頻)|^(?:视频|視頻)(?:来源|來源)[：:]|^【?(?:视频|視頻)】?$|^(?:音频|音頻)[：:]?$"), False),
    ("appeal", _R(r"【诚征荣誉会员】|荣誉会员|榮譽會員|^欢迎(?:订阅|訂閱|关注|關注)|(?:订阅|訂閱)[^。]{0,16}(?:频道|頻道|电子报|電子報)|(?:捐款|捐助|赞助|贊助)(?:我们|我們|本台|本站)"), False),
    ("disclaimer", _R(r"^[(（]?(?:本|此)?(?:文章?|视频|視頻|节目|節目)(?:与视频|與視頻|和视频)?(?:只|仅|僅)?(?:代表|反映)[^。]{0,24}(?:立场|立場|观点|觀點|陈述|陳述|看法)[^。]{0,12}[。.]?[)）]?$"), True),
    ("copyright_notice", _R(r"转载请注明|轉載請註明|版权所有|版權所有|不得转载|不得轉載|未经[^。]{0,16}(?:许可|允许|授权|同意)[^。]{0,8}转载"), False),
    ("standards_badge", _R(r"^(?:我们的标准|我們的標準)|^The Epoch Times Standards", re.I), False),
    ("full_text_elsewhere", _R(r"^[(（]?(?:文章)?全文(?:请|請)(?:见|見|看|点击|點擊)|^[(（]?(?:请|請)?(?:点击|點擊)(?:此处|這裡|这里)?(?:阅读|閱讀)全文"), False),
    ("related_reading", _R(r"^(?:相关|相關|延伸|推荐|推薦)(?:阅读|閱讀|文章|新闻|新聞|链接|連結)[：:]?|^(?:点阅|點閱)【"), False),
    ("stock_widget", _R(r"^K图\s*\S+$|EM_StockImg"), True),
)
_END_MARKS = _R(r"\s*(?:[#＃◇◆]+|[(（](?:完|待续|待續|全文完|本文完|续完|續完)[)）]|[-－—]{1,2}\s*完\s*[-－—]{1,2}|（?全文完）?)\s*$")
# Trailing lines that credit no person: a programme team, a bureau, a first-publication mark, a series note.
_TEAM_CREDIT = _R(
    r"^[(（]?(?:《[^》]{1,20}》(?:节目组|節目組|制作组|製作組|栏目组|欄目組)|[\u4e00-\u9fff]{2,16}(?:记者站|記者站|编辑部|編輯部)?(?:报导|報導|报道|報道)"
    r"|[\u4e00-\u9fff]{2,8}(?:首发|首發|专稿|專稿|供稿|独家|獨家)|[^()（）]{0,30}(?:上下集|连载|連載)[^()（）]{0,10})[)）]?$"
)
_EMPHASIS = _R(r"\*\*")
_SOURCE = _R(r"^[(（]?\s*(?:文章|新闻|新聞|稿件)?(?:来源|來源|出处|出處)\s*[：:]\s*(?P<src>[^()（）]{1,40}?)\s*[)）]?$")
_PAREN_TAIL = _R(r"[(（](?P<inner>[^（）()]{2,90})[)）]\s*$")
_PAREN_HEAD = _R(r"^[(（](?P<inner>[^（）()]{2,90})[)）]\s*")
_GENERIC_DATELINE = _R(
    r"^【[^】]{0,24}?(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[^】]{0,12}】\s*"
)
_WIRE_DATELINE = _R(
    r"^(?:路透|美联社|美聯社|法新社|中央社|彭博社?|新华社|新華社|美国之音|美國之音)(?:社)?[\u4e00-\u9fff]{0,10}?"
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:电|電)?\s*[-－—–]+\s*"
)
_PLACE_DATELINE = _R(r"^[\u4e00-\u9fff]{2,6}\s+[—–－]{1,2}\s*")
GENERIC_DATELINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("", _GENERIC_DATELINE), ("", _WIRE_DATELINE), ("", _PLACE_DATELINE))


@dataclass
class BlockFindings:
    """What the block rules took out of the text and turned into metadata."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    dateline: re.Match[str] | None = None
    dateline_site: str | None = None
    rules_fired: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    def fire(self, rule: str, text: str) -> None:
        if rule not in self.rules_fired:
            self.rules_fired.append(rule)
        self.removed.append((rule, text if len(text) <= 80 else text[:80] + "…"))

    def take_credit(self, text: str) -> bool:
        """Record the people of a credit line; False when ``text`` is prose."""
        c = parse_credit(text)
        if c is None:
            return False
        self.authors = merge_unique(self.authors, c.authors)
        self.editors = merge_unique(self.editors, c.editors)
        self.sources = merge_unique(self.sources, c.sources)
        return True

    def take_source(self, text: str) -> bool:
        """``（文章来源：中国基金报）`` or a bare known outlet in brackets, ``（e公司）``."""
        m = _SOURCE.match(text)
        src = m.group("src").strip() if m else None
        if src is None:
            bare = re.fullmatch(r"[(（]\s*(?P<src>[^()（）]{1,20}?)\s*[)）]", text)
            if bare and bare.group("src") in publisher_aliases():
                src = bare.group("src")
        if src is None:
            return False
        self.sources = merge_unique(self.sources, [src])
        return True


def apply_block_rules(blocks: list[Block], title: str | None, site_drop: tuple[re.Pattern[str], ...],
                      site_drop_short: tuple[re.Pattern[str], ...],
                      datelines: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[list[str], BlockFindings]:
    """Drop boilerplate blocks and peel datelines and credits off the ends."""
    f = BlockFindings()
    kept: list[Block] = []
    for b in blocks:
        b.text = _EMPHASIS.sub("", b.text).strip()
        b.spaced = _EMPHASIS.sub("", b.spaced).strip()
        if not b.text:
            continue
        rule = _drop_rule(b, site_drop, site_drop_short)
        if rule:
            f.fire(rule, b.text)
            continue
        kept.append(b)
    kept = _strip_leading(kept, title, f, datelines)
    kept = _strip_trailing(kept, f)
    return [b.text for b in kept], f


def _drop_rule(b: Block, site_drop: tuple[re.Pattern[str], ...],
               site_drop_short: tuple[re.Pattern[str], ...]) -> str | None:
    short = len(b.text) <= SHORT_BLOCK
    for name, pattern, any_length in DROP_BLOCK_RULES:
        if (any_length or short) and pattern.search(b.text):
            return name
    if any(p.search(b.text) for p in site_drop) or (short and any(p.search(b.text) for p in site_drop_short)):
        return "site_block"
    if short and b.link_share >= 0.95:
        return "link_block"
    if (b.after_image or b.with_image) and _looks_like_caption(b):
        return "image_caption"
    return None


def _looks_like_caption(b: Block) -> bool:
    text = b.text
    if len(text) > 100:
        return False
    if re.fullmatch(r"[(（【\[].{1,98}[)）】\]]", text):
        return True
    return (b.centered or b.with_image) and not re.search(r"[。！？!?]”?$", text)


def _strip_leading(blocks: list[Block], title: str | None, f: BlockFindings,
                   datelines: tuple[tuple[str, re.Pattern[str]], ...]) -> list[Block]:
    norm_title = re.sub(r"\s+", "", title or "")
    while blocks:
        b = blocks[0]
        if norm_title and re.sub(r"\s+", "", b.text) == norm_title:
            f.fire("repeated_title", b.text)
            blocks.pop(0)
            continue
        if f.take_credit(b.spaced):
            f.fire("leading_byline", b.text)
            blocks.pop(0)
            continue
        changed = False
        for site_key, p in (*datelines, *GENERIC_DATELINES):
            m = p.match(b.text)
            if m and m.end() > 0:
                if f.dateline is None and m.groupdict().get("m"):
                    f.dateline, f.dateline_site = m, site_key
                f.fire("dateline", m.group(0))
                b.text = b.text[m.end():].lstrip()
                b.spaced = b.spaced[_offset(b.spaced, m.group(0)):].lstrip()
                changed = True
                break
        m = _PAREN_HEAD.match(b.text)
        if m and f.take_credit(m.group(0)):
            f.fire("leading_byline", m.group(0))
            b.text = b.text[m.end():].lstrip()
            b.spaced = b.spaced[_offset(b.spaced, m.group(0)):].lstrip()
            changed = True
        if not b.text:
            blocks.pop(0)
            continue
        if not changed:
            break
    return blocks


def _offset(spaced: str, removed: str) -> int:
    """Where ``removed`` (taken from the unspaced text) ends inside ``spaced``."""
    target = re.sub(r"\s+", "", removed)
    seen = 0
    for i, ch in enumerate(spaced):
        if not ch.isspace():
            seen += 1
        if seen == len(target):
            return i + 1
    return len(spaced)


def _strip_trailing(blocks: list[Block], f: BlockFindings) -> list[Block]:
    while blocks:
        b = blocks[-1]
        stripped = _END_MARKS.sub("", b.text).strip()
        if stripped != b.text:
            f.fire("end_mark", b.text[len(stripped):].strip() or b.text)
            b.text = stripped
            b.spaced = _END_MARKS.sub("", b.spaced).strip()
        if not b.text:
            blocks.pop()
            continue
        if f.take_source(b.text):
            f.fire("source_line", b.text)
            blocks.pop()
            continue
        if f.take_credit(b.spaced):
            f.fire("credit_line", b.text)
            blocks.pop()
            continue
        if len(b.text) <= 40 and _TEAM_CREDIT.match(b.text):
            f.fire("credit_line", b.text)
            blocks.pop()
            continue
        m = _PAREN_TAIL.search(b.text)
        if m and m.start() > 0 and (f.take_credit(m.group(0)) or f.take_source(m.group(0))):
            f.fire("trailing_credit", m.group(0))
            b.text = b.text[: m.start()].rstrip()
            b.spaced = b.text
            continue
        break
    return blocks
