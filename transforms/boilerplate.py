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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from transforms.credits import parse_credit
from transforms.general_rules import GeneralRules, NamedPattern, general_rules
from transforms.html_blocks import Block
from transforms.metadata import merge_unique, split_names
from transforms.regex_literals import required_literals
from transforms.sites import publisher_aliases
from transforms.text import normalize_inline


# Literal prefilters -----------------------------------------------------------
# Most blocks match no rule, and a rule's regex is tried at every position of the
# block (a pattern with ``^`` branches or a leading class gets no fast scan). Nearly
# every rule contains literal words, one of which any match must contain: one scan
# for all of them (a plain alternation of literals, which the regex engine scans
# quickly) rules out most blocks, and the rules themselves run only on the rest.
# The literals are read off the patterns' text (transforms.regex_literals), so the rule
# tables stay as written.
def _always(text: str) -> bool:
    return True


def _never(text: str) -> bool:
    return False


@lru_cache(maxsize=256)
def literal_prefilter(patterns: tuple[re.Pattern[str], ...]) -> Callable[[str], object]:
    """A test that is false only for text no pattern of ``patterns`` can match (see above)."""
    if not patterns:
        return _never
    words: set[str] = set()
    for p in patterns:
        found = None if p.flags & re.X else required_literals(p.pattern, bool(p.flags & re.I))
        if not found:
            return _always
        words |= found
    # A word that contains another is implied by it.
    words = {w for w in words if not any(v != w and v in w for v in words)}
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))).search


class AnyOf:
    """Patterns searched for in turn, after their literal prefilter; true when one matches."""

    __slots__ = ("maybe", "patterns")

    def __init__(self, patterns: tuple[re.Pattern[str], ...]) -> None:
        self.patterns = patterns
        self.maybe = literal_prefilter(patterns)

    def search(self, text: str) -> bool:
        return bool(self.maybe(text)) and any(p.search(text) for p in self.patterns)


_R = re.compile
# Rules that only apply to short blocks: in a long paragraph these words are prose.
SHORT_BLOCK = 80
# What a menu has between its links besides words (the separators of html_blocks, and labels' colons).
_MENU_WORDLESS = re.compile(r"[\s|｜·•/>»—–\-:：,，、&;!！*]+")

# Standard opinion disclaimers: "(文章仅代表作者个人立场和观点)", "（仅代表作者个人立场和观点）".
DISCLAIMER = _R(r"^[(（]?(?:本|此|以上)?(?:文章?|视频|視頻|节目|節目|评论|評論|言论|言論)(?:与视频|與視頻|和视频)?(?:只|仅|僅)?(?:代表|反映)[^。]{0,24}(?:立场|立場|观点|觀點|陈述|陳述|看法)[^。]{0,12}[。.]?[)）]?$|^[(（]?(?:仅|僅|只)代表作者[^。]{0,20}(?:立场|立場|观点|觀點)[^。]{0,8}[。.]?[)）]?$")
# A whole-block link: "https://…", "//host/…", "facebook.com/djy.news" (not embedded-tweet links: pic.twitter.com, t.co).
_URL = r"(?:https?:)?(?://)?(?!pic\.twitter\.com|t\.co/)(?:[A-Za-z0-9-]+\.)+(?:com|org|net|tv|tw|hk|io|me|ly|gl|co|cc|info|au)(?:[/?#][^\s，。；！？）)]*)?[。.]?"
# (name, pattern, applies to blocks of any length?)
DROP_BLOCK_RULES: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("share_footer", _R(r"分享本文章|^https?://\S+$"), True),
    ("original_link", _R(r"^原文(?:地址|链接|網址)[^：:]{0,12}[：:]"), True),
    ("circumvention", _R(r"翻[墙牆](?:教程|软件|軟體|软体|必看|工具|方法|浏览|瀏覽|访问|訪問)|(?:免|一键|一鍵)翻[墙牆]|网站代理[：:]|無界瀏覽|无界浏览|自由门|自由門|动态网|動態網"), False),
    ("video_promo", _R(r"^(?:点击|點擊)?(?:观看|觀看)(?:完整)?(?:视频|視頻)|^(?:视频|視頻)(?:来源|來源)[：:]|^【?(?:视频|視頻)】?$|^(?:音频|音頻)[：:]?$"), False),
    # A membership appeal is never story, however long: "…成为《看中国》网站的荣誉会员，就可以助力我们…".
    ("appeal", _R(r"^[(（]?(?:编者按|編者按)?[)）]?【?(?:诚征|誠徵)(?:荣誉会员|榮譽會員)|(?:成为|成為)[^。]{0,16}(?:荣誉会员|榮譽會員)[^。]{0,6}(?:就|即)可"), True),
    ("appeal", _R(r"【诚征荣誉会员】|荣誉会员|榮譽會員|^欢迎(?:订阅|訂閱|关注|關注)|(?:订阅|訂閱)[^。]{0,16}(?:频道|頻道|电子报|電子報)|(?:捐款|捐助|赞助|贊助)(?:我们|我們|本台|本站)"), False),
    ("disclaimer", DISCLAIMER, True),
    ("copyright_notice", _R(r"转载请注明|轉載請註明|版权所有|版權所有|不得转载|不得轉載|未经[^。]{0,16}(?:许可|允许|授权|同意)[^。]{0,8}转载"), False),
    ("standards_badge", _R(r"^(?:我们的标准|我們的標準)"), False),
    ("full_text_elsewhere", _R(r"^[(（]?(?:文章)?全文(?:请|請)(?:见|見|看|点击|點擊)|^[(（]?(?:请|請)?(?:点击|點擊)(?:此处|這裡|这里)?(?:阅读|閱讀)全文"), False),
    ("related_reading", _R(r"^(?:相关|相關|延伸|推荐|推薦)(?:阅读|閱讀|文章|新闻|新聞|链接|連結)[：:]?|^(?:相关|相關|延伸|推荐|推薦)(?:报导|報導|报道|報道|专题|專題|视频|視頻|影片)[：:]|^[(（－\-—\s]*(?:点阅|點閱)"), False),
    # "大纪元YouTube直播：https://…", "新唐人脸书：facebook.com/…", "希望之声读者购书优惠https://goo.gl/…", a bare host.
    ("channel_link", _R(r"^(?:[^。！？!?，,、\[\]“”\"《》()（）]{1,24}[：:]\s*|[^。！？!?]{0,30}(?:优惠|優惠|订阅|訂閱|支持|捐款|捐助|下载|下載)[：:]?\s*)?" + _URL + r"$", re.I), False),
    ("promo", _R(r"^【支持】|(?:点赞|點讚|點贊)[^。]{0,12}(?:订阅|訂閱)|(?:订阅|訂閱)[^。]{0,12}(?:点赞|點讚|转发|轉發|分享)|小[铃鈴][铛鐺]|(?:收看|观看|觀看)(?:方式|方法)】?[：:]?$|^[【\[]?(?:LIVE)?(?:直播)?(?:收看|观看|觀看)(?:方式|方法)"), False),
    ("video_promo", _R(r"^(?:\d{3,4}[pP][，,、/\s]*)+$|(?:视频|視頻|影片)(?:下载|下載)(?:链接|連結|连结|鏈接)|^(?:相关|相關)(?:影片|视频|視頻)(?:请|請)?(?:点击|點擊)?(?:观看|觀看)"), False),
)
# Notices that end an article: reprint permissions, disclaimers, channel and
# subscription prompts, pointers to the rest of a series or to the book. Only
# peeled off the end (and only when short), so the same words inside the story stay.
TRAILING_NOTICE = _R(
    r"(?:授权|授權)[^。]{0,24}(?:转载|轉載|刊登|刊发|刊發)|(?:转载|轉載)自|版[权權](?:归|歸|所有)|(?:请勿|請勿|不得)[^。]{0,8}(?:转载|轉載)"
    r"|欢迎参考原书|歡迎參考原書|(?:节录|節錄|摘编|摘編|摘录|摘錄)自[^。]{0,40}(?:一书|一書)"
    r"|(?:仅|僅|只)(?:代表|反映)(?:作者|本人)|(?:本文|文章)[^。]{0,16}(?:观点|觀點|立场|立場)[^。]{0,16}(?:不一定|并不|並不|不)(?:代表|反映)"
    r"|不(?:一定)?(?:代表|反映)[^。]{0,20}(?:的)?(?:观点|觀點|立场|立場)"
    r"|(?:订阅|訂閱)[^。]{0,20}(?:频道|頻道|节目|節目)|(?:频道|頻道)[^。]{0,12}(?:订阅|訂閱)|(?:节目|節目)就到这里|(?:節目|节目)就到這裡"
    r"|(?:完整|更多)[^。]{0,16}(?:请|請)(?:点击|點擊|观看|觀看|看|见|見|参阅|參閱)|(?:请|請)(?:点击|點擊)(?:这里|這裡|此处|此處)"
    r"|更多[^。]{0,12}(?:请看|請看|欢迎前往|歡迎前往)|欢迎前往观看|歡迎前往觀看|(?:阅读|閱讀)全文[：:]?$|(?:原书|原書)全文[：:]"
    r"|^[(（]?(?:转载|轉載)[)）]?$|^[(（]?(?:原文|全文)?(?:链接|連結|網址)[)）]?$|对(?:本|此)文有所?贡献|對(?:本|此)文有所?貢獻"
    r"|(?:脸书|臉書|推特|YouTube|Facebook|Twitter)(?:专页|專頁|频道|頻道)[：:]|^[─—－\-–]+\s*(?:作者)?(?:脸书|臉書|推特)$"
    r"|(?:配图|配圖|图片来源|圖片來源)[：:]|(?:购书|購書)优惠"
    # Sign-offs closing a programme transcript: "…请别忘记点赞订阅…", "感谢您的收看，再会。"
    r"|(?:点赞|點讚|點贊)[^。]{0,6}(?:订阅|訂閱)|(?:订阅|訂閱)[^。]{0,6}(?:点赞|點讚|點贊)|小[铃鈴][铛鐺]"
    r"|^[^。]{0,12}(?:感谢|感謝)(?:您|你|妳|大家|各位)?的?(?:收看|收听|收聽|观看|觀看|收視)|下次(?:节目|節目)?再[见見]|^(?:再会|再會|再见|再見)[。！!]?$"
)
TRAILING_NOTICE_MAX = 200
# "──转自《大纪元》", "——转载自神韵艺术团网站", "资料来源：明慧网、大纪元", "（转载自希望之声国际广播电台）".
_REPRINT_SOURCE = _R(
    r"^[─—－\-–]*\s*[(（]?\s*(?:本文)?(?:转自|轉自|转载自|轉載自|转载于|轉載於|资料来源|資料來源|摘自|选自|選自|(?=转载[：:]|轉載[：:])转载|轉載)\s*[：:]?\s*"
    r"(?:《[^》]{1,30}》|“[^”]{1,30}”|[^\s，,。；;()（）《》/／：:|｜]{1,30})(?:[、，,]\s*(?:《[^》]{1,30}》|[^\s，,。；;()（）《》/／：:|｜]{1,20}))*"
    r"\s*(?:网站|網站|推特|脸书|臉書|微博|博客|部落格)?[)）]?[。.]?"
)
# A source line that only gives a URL or a reprinted site: "文章来源：https://www.sohu.com/a/…" (not the publisher).
_SOURCE_URL = _R(r"^[(（]?\s*(?:文章|新闻|新聞|稿件)?(?:来源|來源|出处|出處)\s*[：:]\s*(?:https?://|www\.)\S+\s*[)）]?$")
# Roles that mark a line as the editors' credit, which closes an article wherever it stands.
_EDITOR_CREDIT = _R(r"责任编辑|責任編輯|责编|責編|网编|網編")
# What may follow the closing editor credit and is not story: a CMS note, keywords, a photo caption, a label.
AFTER_CREDIT_MAX_BLOCKS, AFTER_CREDIT_MAX_CHARS = 2, 100
# Under the closing credits, one short line that is no sentence is the account's slogan or a label
# ("青溪本地大小事，一号全知道"), not the story's last words.
AFTER_CREDIT_SLOGAN_MAX = 30
_ENDS_A_SENTENCE = _R(r"[。！？!?…”」』.]$")
# HTML that the source escaped and the parser therefore kept as text: "<a href=”…”>", "</p>", "/center>".
_TAG_RESIDUE = _R(
    r"</?(?:a|p|br|img|div|span|center|strong|b|i|em|font|iframe|ok|ul|li|table|tr|td|h[1-6]|section|figure|figcaption)"
    r"(?:\s[^<>]{0,400})?/?>|^/?(?:center|p|div|span|a)>$|<(?:a|img)\w*=[^<>]{0,400}>",
    re.I,
)
# A short label that only introduces what follows ("网络收看方式：", "脸书：", "YouTube"); dropped
# when everything it introduces was promo.
_LABEL = _R(r"^[^。！？!?，,]{1,18}[：:]$|^(?:YouTube|Facebook|Twitter|脸书|臉書|推特|Instagram|Telegram)$", re.I)
_PROMO_RULES = frozenset({"channel_link", "promo", "video_promo", "share_footer", "link_block", "related_reading", "appeal",
                          "circumvention", "full_text_elsewhere", "original_link", "trailing_notice"})
_END_MARKS = _R(r"\s*(?:[#＃◇◆]+|[(（](?:完|待续|待續|未完待续|未完待續|全文完|本文完|续完|續完)[)）]"
                r"|[(（](?:原文|内容|內容|文章|全文)?有(?:删节|刪節|删减|刪減)[)）]|[-－—]{1,2}\s*完\s*[-－—]{1,2}|（?全文完）?)\s*$")
# Trailing lines that credit no person: a programme team, a bureau, a first-publication mark, a series note.
_TEAM_CREDIT = _R(
    r"^[(（]?(?:[\u4e00-\u9fff]{0,12}《[^》]{1,20}》(?:节目组|節目組|制作组|製作組|栏目组|欄目組|研究组|研究組|编辑部|編輯部|制作|製作)"
    r"|[\u4e00-\u9fff]{2,20}(?:编辑部|編輯部|制作组|製作組|研究组|研究組|节目组|節目組|新闻中心|新聞中心)|[\u4e00-\u9fff]{2,16}(?:记者站|記者站|编辑部|編輯部)?(?:报导|報導|报道|報道)"
    r"|[“「《]?[\u4e00-\u9fff]{2,8}[”」》]?(?:首发|首發|专稿|專稿|供稿|独家|獨家)|[^()（）]{0,30}(?:上下集|连载|連載)[^()（）]{0,10})[)）]?$"
)
# "（转载）", "（转载自明慧网）" before the first sentence.
_LEADING_REPRINT = _R(r"[(（](?:转载|轉載|转贴|轉貼)(?:自[^()（）]{1,20})?[)）]")
_EMPHASIS = _R(r"\*\*")
_MD_LINK = _R(r"!?\[[^\]\n]{0,200}\]\([^)\s]{1,500}\)")
_MD_RULE_OR_HEADING = _R(r"^(?:#{1,6}\s+\S.{0,30}|#{1,6}|[-=*_]{3,})$")
_SOURCE = _R(r"^[(（]?\s*(?:文章|新闻|新聞|稿件|本文)?(?:来源|來源|出处|出處)\s*[：:]\s*(?P<src>[^()（）]{1,40}?)\s*[)）]?$")
# An explicit article-source line ("文章来源：X", "稿件来源：X", "本文来源：X"), dropped wherever it stands; a bare
# "来源：" mid-text may be a chart's data source, and is only peeled off the end.
_ARTICLE_SOURCE = _R(r"^[(（]?\s*(?:文章|新闻|新聞|稿件|本文)(?:来源|來源|出处|出處)\s*[：:]")
# The opening half of a source line whose outlet a link carried into the next block.
_SOURCE_OPEN = _R(r"^[(（]?\s*(?:文章|新闻|新聞|稿件)?(?:来源|來源|出处|出處)\s*[：:]\s*$")
_PAREN_TAIL = _R(r"[(（](?P<inner>[^（）()]{2,90})[)）]\s*$")
# One level of nesting: "（英文大纪元记者杨杰凯（Jan Jekielek）采访报导／秋生编译）", "（（本台记者林秀宜采访报导））".
# A byline in lenticular brackets before the first sentence: "【北岸日报记者 周明】" (only when it parses as a credit).
_LENTICULAR_HEAD = _R(r"^【(?P<inner>[^【】]{2,40})】\s*")
_PAREN_HEAD = _R(r"^[(（](?P<inner>(?:[^（）()]|[(（][^（）()]{1,40}[)）]){1,90})[)）]\s*")


def general_datelines() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The general table's datelines and timestamp lines, as (rule name, pattern), most specific first."""
    g = general_rules()
    return _named_datelines(g)


@lru_cache(maxsize=4)
def _named_datelines(g: GeneralRules) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((d.name, d.pattern) for d in (*g.datelines, *g.timestamp_lines))


@lru_cache(maxsize=4)
def _edge_rules(g: GeneralRules) -> tuple[AnyOf, tuple[NamedPattern, ...]]:
    return AnyOf(tuple(r.pattern for r in g.edge_blocks)), g.edge_blocks


def _edge_rule(text: str) -> str | None:
    """The general table's post-meta rule (byline-and-date line, word count, tag list, feed footer)
    matching a block at an end; a long block only by a rule that is not ``short``."""
    maybe, rules = _edge_rules(general_rules())
    if not maybe.search(text):
        return None
    short = len(text) <= SHORT_BLOCK
    return next((r.name for r in rules if (short or not r.short) and r.pattern.search(text)), None)


def _take_info_line(text: str, f: BlockFindings) -> bool:
    """A CMS info line (``2021-03-05 09:30 来源：某报 作者：某某``): its parts become metadata; False if it is not one."""
    rule = general_rules().info_line
    text = text.strip()
    if len(text) > 120 or not rule.label.search(text):
        return False
    labels = list(rule.label.finditer(text))
    rest = [text[:labels[0].start()]]
    found: dict[str, list[str]] = {"source": [], "author": [], "editor": []}
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
        value, _, after = text[m.end():end].strip().partition(" ")
        if not value:
            return False
        found[rule.kinds[m.group("label")]].append(value.strip("|｜/"))
        rest.append(after)
    leftover = rule.furniture.sub(" ", " ".join(rest)).strip()
    stamp = rule.timestamp.fullmatch(leftover) if leftover else None
    if leftover and stamp is None:
        return False
    if stamp is None and len(labels) < 3:  # without a clock reading only a line of three labelled parts
        return False
    if stamp is not None and f.dateline is None:
        f.dateline = stamp
    f.sources = merge_unique(f.sources, found["source"])
    f.authors = merge_unique(f.authors, [n for v in found["author"] for n in split_names(v)])
    f.editors = merge_unique(f.editors, [n for v in found["editor"] for n in split_names(v)])
    f.fire(rule.name, text)
    return True


@lru_cache(maxsize=4)
def _general_drop(g: GeneralRules) -> tuple[AnyOf, AnyOf, tuple[NamedPattern, ...]]:
    """Prefilters for the general table's block rules (any length / short only) and a site widget's leftovers."""
    rules = (*g.drop_blocks, *(NamedPattern("stock_widget", p, False) for p in g.widget_leftovers))
    return (AnyOf(tuple(r.pattern for r in rules if not r.short)), AnyOf(tuple(r.pattern for r in rules)), rules)


_MAYBE_SHORT_RULE = literal_prefilter(tuple(p for _, p, _ in DROP_BLOCK_RULES))
_MAYBE_ANY_LENGTH_RULE = literal_prefilter(tuple(p for _, p, any_length in DROP_BLOCK_RULES if any_length))
_MAYBE_TAG_RESIDUE = literal_prefilter((_TAG_RESIDUE,))
_MAYBE_MD_LINK = literal_prefilter((_MD_LINK,))
_trailing_notice = AnyOf((TRAILING_NOTICE,)).search  # twelve microseconds a block without its prefilter


@dataclass
class BlockFindings:
    """What the block rules took out of the text and turned into metadata."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    dateline: re.Match[str] | None = None
    dateline_site: str | None = None
    dateline_outlet: str | None = None  # the outlet a general bracketed dateline names
    credit_outlets: list[str] = field(default_factory=list)  # outlets bylines name before their reporters
    site_name: str | None = None  # the name a footer gives the site ("© 某人 for 某某网")
    rules_fired: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    def fire(self, rule: str, text: str) -> None:
        if rule not in self.rules_fired:
            self.rules_fired.append(rule)
        self.removed.append((rule, text if len(text) <= 80 else text[:80] + "…"))

    def take_groups(self, m: re.Match[str]) -> None:
        """The metadata a general rule's named groups hold (``source``, ``site``, ``authors``, ``editors``)."""
        g = m.groupdict()
        if g.get("source"):
            self.sources = merge_unique(self.sources, [g["source"].strip()])
        if g.get("site") and not self.site_name:
            self.site_name = g["site"].strip()
        if g.get("authors"):
            self.authors = merge_unique(self.authors, split_names(g["authors"]))
        if g.get("editors"):
            self.editors = merge_unique(self.editors, split_names(g["editors"]))

    def take_credit(self, text: str) -> bool:
        """Record the people of a credit line; False when ``text`` is prose."""
        c = parse_credit(text)
        if c is None:
            return False
        self.authors = merge_unique(self.authors, c.authors)
        self.editors = merge_unique(self.editors, c.editors)
        self.sources = merge_unique(self.sources, c.sources)
        self.credit_outlets = merge_unique(self.credit_outlets, c.outlets)
        return True

    def take_source(self, text: str) -> bool:
        """``（文章来源：中国基金报）`` or a bare known outlet in brackets, ``（e公司）``."""
        m = _SOURCE.match(text)
        src = m.group("src").strip() if m else None
        if src is None:
            bare = re.fullmatch(r"[(（]\s*(?P<src>[^()（）]{1,20}?)\s*[)）]", text)
            if bare and (bare.group("src") in publisher_aliases() or _named_like_an_outlet(bare.group("src"))):
                src = bare.group("src")
        if src is None:
            return False
        src, _, people = _SOURCE_THEN_CREDIT.split(src, 1)[0], None, _SOURCE_THEN_CREDIT.search(src)
        if people and not self.take_credit(people.string[people.start():].strip()):
            return False  # "来源：某报 作者：…" whose second half is not a credit
        self.sources = merge_unique(self.sources, [src.strip()])
        return True


def _leading_source(text: str) -> bool:
    """A source line above the story names an outlet ("来源：某某日报"), not where a figure comes from ("来源：某某统计局")."""
    m = _SOURCE.match(text) if len(text) <= 50 else None
    src = m.group("src").strip() if m else ""
    return bool(src) and (src in publisher_aliases() or _named_like_an_outlet(src))


def _named_like_an_outlet(name: str) -> bool:
    """"某某日报", "某某之音": a name with an outlet's ending (the general table's ``outlet_suffixes``)."""
    return 3 <= len(name) <= 12 and bool(re.fullmatch(r"[\u4e00-\u9fff·]+", name)) \
        and name.endswith(general_rules().outlet_suffixes)


def apply_block_rules(blocks: list[Block], title: str | None, site_drop: tuple[re.Pattern[str], ...],
                      site_drop_short: tuple[re.Pattern[str], ...],
                      datelines: tuple[tuple[str, re.Pattern[str]], ...]) -> tuple[list[str], BlockFindings]:
    """Drop boilerplate blocks and peel datelines and credits off the ends."""
    f = BlockFindings()
    site_rules, site_short_rules = AnyOf(site_drop), AnyOf(site_drop_short)
    general = _general_drop(general_rules())
    sentences = _credit_sentences(general_rules())
    kept: list[Block] = []
    credit_at: int | None = None
    credits: list[Block] = []
    for b in blocks:
        if "**" in b.text:  # Markdown emphasis, in a few mirrored pages only
            b.text = _EMPHASIS.sub("", b.text)
        b.text = b.text.strip()
        b.map_spaced(_unemphasised)
        if _MAYBE_TAG_RESIDUE(b.text) and _TAG_RESIDUE.search(b.text):
            f.fire("tag_residue", b.text)
            b.text = normalize_inline(_TAG_RESIDUE.sub("", b.text))
            b.map_spaced(_without_tag_residue)
        if not b.text:
            continue
        if sentences.maybe(b.text) and sentences.search(b.spaced):  # the spaced text only where a rule may match
            _cut_credit_sentences(b, f)
            if not b.text:
                continue
        rule = _drop_rule(b, site_rules, site_short_rules, datelines, general)
        if rule:
            _take_rule_groups(rule, b, f)
            f.fire(rule, b.text)
            if rule in _PROMO_RULES:
                _drop_promo_labels(kept, f)
            continue
        if len(b.text) <= 60 and _ARTICLE_SOURCE.match(b.text) and f.take_source(b.text):
            f.fire("source_line", b.text)  # "文章来源：X" is never story, wherever it stands
            continue
        if len(b.text) <= 90 and _EDITOR_CREDIT.search(b.text) and parse_credit(b.spaced) is not None:
            # An editors' credit is never story, wherever the page put it (a repeated one mid-page too);
            # its names are read after the leading byline so that they keep the page's order.
            credits.append(b)
            credit_at = len(kept)
            continue
        kept.append(b)
    if credit_at is not None and credit_at >= 2 and 0 < len(kept) - credit_at <= AFTER_CREDIT_MAX_BLOCKS \
            and all(len(b.text) <= AFTER_CREDIT_MAX_CHARS for b in kept[credit_at:]):
        # "责任编辑：高义" then "=请放自由广场，类别重点。", a keyword list, "Donation", a photo caption.
        after, kept = kept[credit_at:], kept[:credit_at]
    else:
        after = []
    kept = _strip_leading(kept, title, f, datelines)
    for b in credits:
        f.take_credit(b.spaced)
        f.fire("credit_line", b.text)
    for b in after:
        if not (f.take_source(b.text) or f.take_credit(b.spaced)):
            f.fire("after_credit", b.text)
    kept = _strip_trailing(kept, f)
    return [b.text for b in kept], f


@lru_cache(maxsize=4)
def _credit_sentences(g: GeneralRules) -> AnyOf:
    return AnyOf(tuple(r.pattern for r in g.credit_sentences))


# Where a credit sentence may start and end inside a block: the block's ends or a sentence's.
_SENTENCE_END = "。！？!?；;"


def _cut_credit_sentences(b: Block, f: BlockFindings) -> None:
    """Cut the general table's credit sentences (``原刊于某报。作者：甲 乙``) out of a story block,
    alone: the sentences around them stay. Matched on the spaced text, where names keep their spaces."""
    spaced = b.spaced
    for r in general_rules().credit_sentences:
        for m in reversed(list(r.pattern.finditer(spaced))):
            before = spaced[:m.start()].rstrip()
            if before and before[-1] not in _SENTENCE_END:
                continue
            f.take_groups(m)
            f.fire(r.name, m.group(0).strip())
            spaced = (before + " " + spaced[m.end():].lstrip()).strip()
    if spaced != b.spaced:
        b.spaced = spaced
        b.text = normalize_inline(spaced)


def _take_rule_groups(rule: str, b: Block, f: BlockFindings) -> None:
    """The metadata groups of the general drop or edge rule named ``rule`` that removed ``b``."""
    g = general_rules()
    for r in (*g.drop_blocks, *g.edge_blocks):
        if r.name == rule and r.pattern.groupindex:
            m = r.pattern.search(b.spaced) or r.pattern.search(b.text)
            if m:
                f.take_groups(m)
                return


def _unemphasised(spaced: str) -> str:
    return (_EMPHASIS.sub("", spaced) if "**" in spaced else spaced).strip()


def _without_tag_residue(spaced: str) -> str:
    return normalize_inline(_TAG_RESIDUE.sub("", spaced), keep_typed_spaces=True)


def _drop_promo_labels(kept: list[Block], f: BlockFindings) -> None:
    """A label right before promo ("网络收看方式：", "脸书：") introduces nothing but promo."""
    while kept and _LABEL.match(kept[-1].text):
        f.fire("promo_label", kept[-1].text)
        kept.pop()


def _drop_rule(b: Block, site_drop: AnyOf, site_drop_short: AnyOf,
               datelines: tuple[tuple[str, re.Pattern[str]], ...] = (),
               general: tuple[AnyOf, AnyOf, tuple[NamedPattern, ...]] | None = None) -> str | None:
    text = b.text
    short = len(text) <= SHORT_BLOCK
    if (_MAYBE_SHORT_RULE if short else _MAYBE_ANY_LENGTH_RULE)(text):
        for name, pattern, any_length in DROP_BLOCK_RULES:
            if (any_length or short) and pattern.search(text):
                return name
    if site_drop.search(text) or (short and site_drop_short.search(text)):
        return "site_block"
    any_length, short_rules, rules = general or _general_drop(general_rules())
    if (any_length if not short else short_rules).search(text):
        return next(r.name for r in rules if (short or not r.short) and r.pattern.search(text))
    if short and b.link_share >= 0.95:
        return "link_block"
    if b.links >= 2 and _link_menu(b):
        return "link_menu"
    if _markdown_nav(text):
        return "markdown_nav"
    if (b.after_image or b.with_image) and _looks_like_caption(b) and not _is_dateline_or_byline(b, datelines):
        return "image_caption"
    return None


def _link_menu(b: Block) -> bool:
    """Links with only separators between them and a label at most (``热门喜剧：[甲](…) | [乙](…)``
    rendered, or a page's own menu outside ``<nav>``): the test of :func:`_markdown_nav` on links as markup."""
    if b.menu_gaps < b.links - 1:  # words between two of its links: a sentence, a list of tags
        return False
    words = len(_MENU_WORDLESS.sub("", b.text))
    return words * (1 - b.link_share) <= max(6, len(b.text) // 5)  # a label at most


def _markdown_nav(text: str) -> bool:
    """Markdown a mirror left as text: link menus (``#### [首页](…) | [新闻](…)``), headings, rules."""
    if _MD_RULE_OR_HEADING.match(text):
        return True
    if not _MAYBE_MD_LINK(text):
        return False
    links = _MD_LINK.findall(text)
    if not links:
        return False
    rest = _MD_LINK.sub("", text)
    rest = re.sub(r"[#|｜\s:：,，、&;!！\-—>*]|&nbsp;|[\U0001F000-\U0001FFFF\u2600-\u27BF\uFE0F]", "", rest)
    return len(rest) <= max(6, len(text) // 5)


def _is_dateline_or_byline(b: Block, datelines: tuple[tuple[str, re.Pattern[str]], ...]) -> bool:
    """``【希望之声2020年9月26日】（本台记者…报导）`` right under the lead image is not its caption."""
    if any(p.match(b.text) for _, p in (*datelines, *general_datelines())):
        return True
    return parse_credit(b.spaced) is not None


def _looks_like_caption(b: Block) -> bool:
    text = b.text
    if len(text) > 100:
        return False
    if re.fullmatch(r"[(（【\[].{1,98}[)）】\]]", text):
        return True
    return (b.centered or b.with_image) and not re.search(r"[。！？!?]”?$", text)


def _leading_datelines(datelines: tuple[tuple[str, re.Pattern[str]], ...]
                       ) -> tuple[tuple[str, tuple[str | None, re.Pattern[str]]], ...]:
    """The site's datelines (rule ``dateline:<key>``), then the general ones (rule by their name)."""
    return (*((f"dateline:{k}", (k, p)) for k, p in datelines), *((n, (None, p)) for n, p in general_datelines()))


def _strip_leading(blocks: list[Block], title: str | None, f: BlockFindings,
                   datelines: tuple[tuple[str, re.Pattern[str]], ...]) -> list[Block]:
    norm_title = re.sub(r"\s+", "", title or "")
    leading = _leading_datelines(datelines)
    while blocks:
        b = blocks[0]
        if norm_title and _same_title(b.text, norm_title, len(blocks) > 1):
            f.fire("repeated_title", b.text)
            blocks.pop(0)
            continue
        if f.take_credit(b.spaced):
            f.fire("leading_byline", b.text)
            blocks.pop(0)
            continue
        edge = _edge_rule(b.text)
        if edge:
            _take_rule_groups(edge, b, f)
            f.fire(edge, b.text)
            blocks.pop(0)
            continue
        if _take_info_line(b.spaced, f):
            blocks.pop(0)
            continue
        if _leading_source(b.text) and f.take_source(b.text):  # "来源：某某日报" above the story
            f.fire("source_line", b.text)
            blocks.pop(0)
            continue
        changed = False
        spaced = b.spaced
        for rule, (site_key, p) in leading:
            m = p.match(b.text)
            # "北京3月4日电 市议会…": the space that ends the dateline is only in the spaced text
            on_spaced = not (m and m.end() > 0) and spaced != b.text
            if on_spaced:
                m = p.match(spaced)
            if m and m.end() > 0:
                outlet = (m.groupdict().get("outlet") or "").strip() or None
                if f.dateline is None and m.groupdict().get("m"):
                    f.dateline, f.dateline_site, f.dateline_outlet = m, site_key, outlet
                elif f.dateline_outlet is None and f.dateline is None:  # "【某某日报专讯】": a name, no date
                    f.dateline_outlet = outlet
                if outlet and _REPORTER.search(outlet):  # "【某台记者王明2021年3月4日报导】"
                    f.take_credit(outlet)
                f.fire(rule, m.group(0))
                b.text = b.text[_offset(b.text, m.group(0)) if on_spaced else m.end():].lstrip()
                b.spaced = spaced[m.end() if on_spaced else _offset(spaced, m.group(0)):].lstrip()
                changed = True
                break
        m = _COLON_BYLINE.match(b.text)
        if m and f.take_credit(m.group("credit")):
            f.fire("leading_byline", m.group(0))
            b.text = b.text[m.end():].lstrip()
            b.spaced = b.spaced[_offset(b.spaced, m.group(0)):].lstrip()
            changed = True
        m = _PAREN_HEAD.match(b.text) or _LENTICULAR_HEAD.match(b.text)
        if m and (f.take_credit(m.group(0) if m.re is _PAREN_HEAD else m.group("inner")) or (len(m.group("inner")) <= 30 and (
                _TEAM_CREDIT.fullmatch(m.group(0).strip()) or _LEADING_REPRINT.fullmatch(m.group(0).strip())))):
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


# What a repeated title may differ by: the mirror's "(图)"/"(视频)" mark, a part or episode number, a
# programme date ("（2019/09/16）（总第417期）"), a closing full stop.
_TITLE_TAIL = _R(r"(?:\s*[(（][^()（）]{1,20}[)）])+$|[。！!]$")


def _same_title(text: str, norm_title: str, more: bool) -> bool:
    """The page title repeated above the body, exactly or up to a bracketed tail or a full stop
    (the latter only when the story follows, so a one-line greeting page keeps its line)."""
    t = re.sub(r"\s+", "", text)
    if t == norm_title:
        return True
    if not more:
        return False
    a, b = _TITLE_TAIL.sub("", t), _TITLE_TAIL.sub("", norm_title)
    return len(b) >= 6 and a == b


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


_REPORTER = _R(r"记者|記者")
# A credit after the source in one source line: "（文章来源：某某日报 作者：王明）" (the space may be gone).
_SOURCE_THEN_CREDIT = _R(r"(?<=\S)\s*(?=(?:作者|记者|記者|责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[：:])")
# A byline ending in a colon that opens the first paragraph: "记者王明报道：…", "本報記者 王明 報導："
_COLON_BYLINE = _R(r"^(?P<credit>[\u4e00-\u9fff]{0,8}?(?:记者|記者)[\u4e00-\u9fff·、 ]{2,24}?(?:报道|报导|報導|報道))\s*[：:]\s*")


def _reprint_line(b: Block, f: BlockFindings) -> bool:
    """``──转自《大纪元》`` alone or with a credit or disclaimer after it: a source, not the publisher."""
    m = _REPRINT_SOURCE.match(b.text)
    if not m:
        return False
    rest = b.text[m.end():].strip(" ，,。;；")
    if not rest:
        return True
    if DISCLAIMER.search(rest) or (len(rest) <= TRAILING_NOTICE_MAX and _trailing_notice(rest)):
        return True
    return f.take_credit(rest)


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
        if _SOURCE_URL.match(b.text):
            f.fire("source_line", b.text)
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
        edge = _edge_rule(b.text)
        if edge:
            _take_rule_groups(edge, b, f)
            f.fire(edge, b.text)
            blocks.pop()
            continue
        if len(b.text) <= 40 and _TEAM_CREDIT.match(b.text):
            f.fire("credit_line", b.text)
            blocks.pop()
            continue
        if len(b.text) <= TRAILING_NOTICE_MAX and _trailing_notice(b.text):
            f.fire("trailing_notice", b.text)
            blocks.pop()
            continue
        if len(b.text) <= 18 and b.text[-1] in "：:" and _LABEL.match(b.text):
            f.fire("dangling_label", b.text)  # "作者简介：", "相关报导：" with nothing after them
            blocks.pop()
            continue
        if _reprint_line(b, f):
            f.fire("source_line", b.text)
            blocks.pop()
            continue
        if len(blocks) >= 2 and _SOURCE_OPEN.search(blocks[-2].text) and len(blocks[-1].text) <= 40 \
                and f.take_source(blocks[-2].text + blocks[-1].text):
            # A source line that inline links split in two: "（来源：" | "某某日报）".
            f.fire("source_line", blocks[-2].text + blocks[-1].text)
            del blocks[-2:]
            continue
        if len(blocks) >= 2 and len(b.text) <= AFTER_CREDIT_SLOGAN_MAX and not _ENDS_A_SENTENCE.search(b.text) \
                and parse_credit(blocks[-2].spaced) is not None:
            f.fire("after_credit", b.text)
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
