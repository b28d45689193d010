"""Bylines and credit lines: tell them apart from prose, and read the names.

A credit is a short run of role words and names (``记者：经纬 责编：何平``,
``某台记者顾帆综合报导/责任编辑：东野``, ``某某电台记者 夏小华 台北报导
责编 许书婷 申铧 网编 瑞哲``). It is parsed token by token; anything that is
neither a role, a name nor a reporting place makes the block prose, so an
interview line such as ``记者：为什么…`` is never mistaken for a credit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from transforms import sites
from transforms.general_rules import general_rules

EDITOR_ROLES = ("责任编辑", "責任編輯", "责编", "責編", "网编", "網編", "编辑", "編輯", "审校", "審校", "审核", "審核", "终审", "終審",
                "后制", "後製",
                "编审", "編審", "校对", "校對", "制作", "製作", "剪辑", "剪輯", "排版", "美编", "美編")
AUTHOR_ROLES = ("特约记者", "特約記者", "记者", "記者", "采访", "採訪", "编译", "編譯", "文字整理", "图文整理", "圖文整理", "整理",
                "撰稿", "撰文", "作者", "文字", "图文", "圖文", "文", "口述", "撰稿人", "通讯员", "通訊員", "报导", "報導", "报道", "報道", "摄影", "攝影",
                "专栏作家", "專欄作家", "译者", "譯者", "翻译", "翻譯", "特约评论员", "特約評論員", "评论员", "評論員")
# Words that follow a name in a byline: 顾帆综合报导, 徐简编译, 梁珍采访报导
_TRAILING_ROLE = re.compile(
    r"(?:综合|綜合|采访|採訪|编译|編譯|整理|联合|聯合|(?:时事|時事|军事|軍事|国际|國際|财经|財經|新闻|新聞)+)?"
    r"(?:报导|報導|报道|報道|编译|編譯|整理|采访|採訪|撰稿|撰文|综述|綜述|评论|評論|翻译|翻譯)$")
# Reporting places that follow a name: 童云美国费城报导, 夏小华台北报导.
PLACES = (
    "美国", "美國", "加拿大", "澳洲", "澳大利亚", "英国", "英國", "法国", "法國", "德国", "德國", "日本", "韩国", "韓國", "台湾",
    "台灣", "香港", "澳门", "澳門", "中国", "中國", "大陆", "大陸", "欧洲", "歐洲", "纽约", "紐約", "华盛顿", "華盛頓", "洛杉矶",
    "洛杉磯", "旧金山", "舊金山", "三藩市", "费城", "費城", "波士顿", "波士頓", "芝加哥", "休斯顿", "休斯頓", "达拉斯", "達拉斯",
    "西雅图", "西雅圖", "亚特兰大", "亞特蘭大", "硅谷", "矽谷", "多伦多", "多倫多", "温哥华", "溫哥華", "蒙特利尔", "蒙特利爾",
    "渥太华", "渥太華", "悉尼", "雪梨", "墨尔本", "墨爾本", "伦敦", "倫敦", "巴黎", "柏林", "东京", "東京", "首尔", "首爾",
    "台北", "臺北", "台中", "高雄", "北京", "上海", "广州", "廣州", "深圳", "武汉", "武漢", "成都", "加州", "德州", "纽泽西",
    "新泽西", "紐澤西", "新澤西", "佛州", "麻州", "华府", "華府", "日内瓦", "日內瓦", "布鲁塞尔", "布魯塞爾", "莫斯科", "新加坡",
    "曼谷", "吉隆坡", "雅加达", "马尼拉", "首都", "南加州", "北加州", "圣地亚哥", "聖地亞哥", "拉斯维加斯", "奥兰多", "迈阿密",
    "华盛顿DC", "華盛頓DC", "华盛顿D.C.", "華盛頓D.C.", "华府DC",
)
# A US state or province after a four-character token: 文興賓州报导 -> 文興.
_STATE = re.compile(r"(?<=^[\u4e00-\u9fff]{2})[\u4e00-\u9fff]{1,2}州$")


@dataclass(frozen=True)
class _OutletPatterns:
    """Credit patterns that name outlets: built from the general table and the loaded site tables."""

    alone: re.Pattern[str]
    prefix: re.Pattern[str]


@lru_cache(maxsize=1)
def _outlet_patterns() -> _OutletPatterns:
    g = general_rules()
    names = "|".join(re.escape(n) for n in g.outlet_names if re.fullmatch(r"[\w·]{2,20}", n))
    suffixes = "|".join(re.escape(s) for s in g.outlet_suffixes)
    # An outlet named alone before the reporter: "某某电台 李明报道", a known name or a name with an outlet's ending.
    alone = re.compile(rf"^(?:(?:{names})(?:{suffixes})?|[\u4e00-\u9fff]{{1,8}}(?:{suffixes}))$")
    prefix = re.compile(
        rf"^(?P<outlet>[\u4e00-\u9fff]{{0,8}}?(?:{names})?"
        # "某某国际广播电台记者", "英文某报资深记者", "某报英文记者", "本台制作人", "专栏作家"
        r"(?:国际广播电台|國際廣播電台|电视台|電視台|[\u4e00-\u9fff]{0,2}(?:新闻中心|新聞中心))?)(?:英文|中文|资深|資深|香港|台湾|台灣|美国|美國|加拿大|澳洲)?"
        r"(?:特约|特約|实习|實習|驻[\u4e00-\u9fff]{1,4})?"
        r"(?:记者站|記者站|记者|記者|撰稿人|通讯员|通訊員|制作人|製作人|评论员|評論員|专栏作家|專欄作家)"
    )
    return _OutletPatterns(alone, prefix)


_SOURCE_PART = re.compile(r"^(?:转自|轉自|转载自|轉載自|转|轉|来源|來源|文章来源|文章來源)[：:]?(?P<src>.{1,20})$")
# The roles of English credit lines: "Reporting by …", "Additional reporting and editing by …", "Editor: …".
_EN_ROLE_BY = (r"(?:additional\s+)?(?:reporting|writing|editing|edited|written|compiled|research|words)"
               r"(?:\s+and\s+(?:reporting|writing|editing|research))?\s+by")
_EN_ROLE_COLON = r"(?:sub-?|copy\s+|managing\s+|senior\s+)?(?:editor|reporter|writer|author)s?\s*:"
_CREDIT_MARK = re.compile(rf"^By\s+[A-Z]|^(?i:{_EN_ROLE_BY}\s|{_EN_ROLE_COLON})|作者|(?:文字|图文|圖文|文)\s*[／/:：|｜︱]|记者|記者|编辑|編輯|责编|責編|网编|網編|报导|報導|报道|報道|编译|編譯|审校|審校|后制|後製|撰稿|采访|採訪|整理|撰文|摄影|攝影|制作人|製作人|评论|評論|综述|綜述|译者|譯者|翻译|翻譯|排版|美编|美編|校对|校對")
_NAME_OK = re.compile(r"^(?:[\u4e00-\u9fff·]{2,4}|[\u4e00-\u9fff]{1,6}[·‧・][\u4e00-\u9fff·‧・]{1,10}"
                      r"|[A-Za-z][A-Za-z.\-']*(?: [A-Za-z][A-Za-z.\-']*){0,3})$")
# A Latin name keeps its spaces while a credit is split into tokens: "Emel Akan", "Walter E. Williams".
_LATIN_GAP = re.compile(r"(?<=[A-Za-z.])[ \t\u00a0]+(?=[A-Za-z])")
_GAP = "\ue000"
# Roles written with a colon but no space before them: "责编：申铧网编：郭度".
_ROLE_COLON = re.compile("(" + "|".join(sorted(set(EDITOR_ROLES) | {r for r in AUTHOR_ROLES if len(r) > 1}, key=len, reverse=True))
                         + ")是?[：:]")
_SPLIT = re.compile(r"[\s、，,；;]+")
# Editor roles glued to the name before them: "记者乔龙责编胡力汉" (spans joined without a space).
_GLUED_EDITOR = re.compile(r"(?<=[\u4e00-\u9fff])(?=责任编辑|責任編輯|责编|責編|网编|網編)")
# A Latin gloss after a name, "杨杰凯（Jan Jekielek）"; a dot before a role's colon, "责编·：".
_LATIN_GLOSS = re.compile(r"[(（][A-Za-z][A-Za-z .\-']{1,40}[)）]")
_CONTRIBUTED = re.compile(r"(?:对|對)(?:本文|此文|本报道|本報導|报道|報導|报导|報道)有所?(?:贡献|貢獻)$")
# "费翰Jack Phillips报导": the English name glued between the Chinese one and the role.
_BARE_GLOSS = re.compile(r"(?<!记者)(?<!記者)(?<!作家)(?<!编译)(?<!編譯)(?<!撰文)(?<=[\u4e00-\u9fff])[A-Za-z][A-Za-z .\-']{1,40}(?=采访|採訪|综合|綜合|报导|報導|报道|報道|撰文|编译|編譯)")
# A date inside a byline: "本台记者伊虎9月5日综合报道"; a wire credit's dateline at its end, the day
# alone or with the month: "某某通讯社记者王明台北4日电".
_CREDIT_DATE = re.compile(r"(?<=[\u4e00-\u9fff])(?:\d{4}年)?\d{1,2}月\d{1,2}日(?=[\u4e00-\u9fff])"
                          r"|(?<=[\u4e00-\u9fff])(?:\d{1,2}月)?\d{1,2}日(?:电|電)$")
# An English byline: "By Jane Doe", "By Jane Doe and John Roe" (a weekday or month is a date, not a name).
_ENGLISH_BYLINE = re.compile(
    r"By\s+(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\b)(?P<names>[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){0,3}){0,3})")
# English credit lines: "Editor: Jane Doe", "Reporting by Jane Doe in London; Editing by John Roe",
# "Additional reporting by Ann Lee and Tom Wu". Editing roles give editors, the others authors.
_ENGLISH_CREDIT = re.compile(rf"(?P<role>(?i:{_EN_ROLE_BY}|{_EN_ROLE_COLON}))\s*(?P<names>[A-Z].*)")
# Where a wire credit's reporter was: "Reporting by Jane Doe in New York".
_ENGLISH_PLACE = re.compile(r"\s+in\s+[A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*)?(?=\s*(?:,|\band\b|&|$))")
# A person's name as English credits write it: capitalised words (with the particles of surnames).
_ENGLISH_NAME = re.compile(r"[A-Z][\w.'\-]*(?:\s+(?:[A-Z][\w.'\-]*|de|van|von|da|di|du|le|la|bin|al)){0,3}")
# Where the reporter filed from, Taiwanese style: "記者林佳慧／花蓮報導" (花蓮 is a place, not a second name).
_FILED_FROM = re.compile(r"^(?P<head>(?:特約)?(?:記者|记者)\s*[\u4e00-\u9fff·]{2,4}(?:[、，,\s]+[\u4e00-\u9fff·]{2,4})*)\s*[／/]\s*"
                         r"[\u4e00-\u9fff]{2,4}(?:報導|报导|報道|报道)$")
# An author's unit in brackets after the name: "作者：赵敏（市第二人民医院宣传科）" (the unit is no person).
_AFFILIATION = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z])[(（][^()（）]{2,30}?(?:科|处|處|部|院|局|所|中心|大学|大學|学院|學院|医院|醫院"
                          r"|公司|集团|集團|委员会|委員會|办公室|辦公室|研究会|研究會|协会|協會)[)）]")
# A role after an English byline's name: "By Jane Doe, Staff Reporter".
_ENGLISH_ROLE = re.compile(r"\b(?:Staff|Senior|Special|Chief|Contributing|Writer|Reporter|Correspondent|Editor|Contributor|Columnist"
                           r"|Bureau|Staffer|Intern)s?\b")
# A reporting place the table does not know, after a country: "周静静美国大急流城" -> 周静静.
_COUNTRY_PLACE = re.compile(r"^(?P<name>[\u4e00-\u9fff·]{2,4}?)(?:美国|美國|加拿大|澳洲|英国|英國|法国|法國|德国|德國|日本|韩国|韓國|"
                            r"台湾|台灣|中国|中國|新西兰|紐西蘭|意大利|義大利|西班牙|荷兰|荷蘭|瑞士|瑞典|印度|以色列)[\u4e00-\u9fffA-Za-z.]{1,8}$")
_ROLE_DOT = re.compile(r"[·・‧]\s*(?=[：:])")
# Image credits look like bylines: "（图片来源：Andrea Verdelli/Getty Images）".
_IMAGE_CREDIT = re.compile(r"(?:图片|圖片)(?:来源|來源)|Getty Images|AFP/|(?:^|[(（])(?:图|圖)[：:]")


_TRAILING_JUNK = re.compile(r"[\s@*#＃]+$")
# A credit in brackets: "（记者张三报道）", "【责任编辑：李四】", "[编辑：王五]".
_BRACKETED = re.compile(r"[(（](?P<inner>.+)[)）]|【(?P<inner2>[^【】]+)】|\[(?P<inner3>[^\[\]]+)\]")


@dataclass
class Credits:
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)  # outlets a byline names before the reporter


# Where each place first stands in PLACES, and the lengths places have: the place a name
# ends with is found by looking its few suffixes up, not by trying every place.
_PLACE_RANK = {p: i for i, p in reversed(list(enumerate(PLACES)))}
_PLACE_LENGTHS = sorted({len(p) for p in PLACES})


def _strip_place(name: str) -> str:
    """Drop reporting places off the end of a name, the first in PLACES first, keeping two characters."""
    while len(name) > 2:
        ranks = [_PLACE_RANK[name[-n:]] for n in _PLACE_LENGTHS if len(name) - n >= 2 and name[-n:] in _PLACE_RANK]
        if not ranks:
            break
        name = name[: -len(PLACES[min(ranks)])]
    return name


def _clean_name(token: str) -> str | None:
    token = _TRAILING_ROLE.sub("", token.strip("：:()（）[]【】「」 "))
    token = _STATE.sub("", _strip_place(token)).replace(_GAP, " ")
    m = _COUNTRY_PLACE.match(token)
    if m and not _NAME_OK.match(token):
        token = m.group("name")
    return token if _NAME_OK.match(token) else None


# Common family names, to tell glued names ("胡力汉许书婷") from prose glued to a name.
SURNAMES = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉"
    "程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬"
    "钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧"
    "尚符舒阮柯纪紀梅童凌毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農司卓古吉"
    "缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔苟邬鄔边邊卞姬师師和仇栾欒隋商刁沙荣榮"
    "巫寇桑郎甄丛叢仲虞敖巩鞏明佘池查麻苑迟遲邝鄺官封谈談匡鞠惠荆荊乐樂冀郁胥南班储儲原栗燕楚鄢劳勞谌諶奚皮粟冼蓬楼樓言")


def _glued_names(token: str) -> list[str] | None:
    """Names a credit glued together without a separator: "文海欣刘少风郑日尧" (three-character names)."""
    token = _strip_place(_TRAILING_ROLE.sub("", token))
    if len(token) in (6, 9) and re.fullmatch(r"[\u4e00-\u9fff]+", token):
        names = [token[i:i + 3] for i in range(0, len(token), 3)]
        if all(n[0] in SURNAMES for n in names):
            return names
    return None


def _english_credit(s: str) -> tuple[list[str], list[str]] | None:
    """(authors, editors) of an English credit line made only of ``ROLE by NAMES`` / ``ROLE: NAMES`` parts."""
    authors: list[str] = []
    editors: list[str] = []
    for part in re.split(r"\s*[;|/]\s*", s):
        m = _ENGLISH_CREDIT.fullmatch(part.strip())
        if m is None:
            return None
        names = [n for n in re.split(r"\s*(?:,|\band\b|&)\s*", _ENGLISH_PLACE.sub("", m.group("names").strip())) if n]
        if not names or not all(_ENGLISH_NAME.fullmatch(n) and not _ENGLISH_ROLE.search(n) for n in names):
            return None
        (editors if "edit" in m.group("role").lower() else authors).extend(names)
    return authors, editors


def parse_credit(text: str) -> Credits | None:
    """People named by a credit line, or None when ``text`` is not only a credit."""
    if not _CREDIT_MARK.search(text):  # s below is a part of text: prose without a role word, the common case
        return None
    found = (_remembered_credit if len(text) <= _REMEMBER_MAX else _parse_credit)(text)
    return Credits(list(found[0]), list(found[1]), list(found[2]), list(found[3])) if found else None


def _parse_credit(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    """:func:`parse_credit` as (authors, editors, sources, outlets)."""
    s = _TRAILING_JUNK.sub("", text.strip()).rstrip("。.")  # "责任编辑：张宪义 @*#"
    m = _BRACKETED.fullmatch(s)
    if m:
        s = m.group("inner") or m.group("inner2") or m.group("inner3")
    if len(s) > 90 or not _CREDIT_MARK.search(s) or _IMAGE_CREDIT.search(s):
        return None
    english = _ENGLISH_BYLINE.fullmatch(s)
    if english:
        names = tuple(n.strip() for n in re.split(r"\s*(?:,|\band\b|&)\s*", english.group("names"))
                      if n.strip() and not _ENGLISH_ROLE.search(n))
        return (names, (), (), ()) if all(_NAME_OK.match(n) for n in names) else None
    if _ENGLISH_CREDIT.match(s):
        people = _english_credit(s)
        return (tuple(people[0]), tuple(people[1]), (), ()) if people else None
    s = _ROLE_DOT.sub("", _LATIN_GLOSS.sub("", _AFFILIATION.sub("", _FILED_FROM.sub(r"\g<head>", s))))
    s = _BARE_GLOSS.sub("", _CREDIT_DATE.sub("", s))
    s = _GLUED_EDITOR.sub(" ", s)
    s = _ROLE_COLON.sub(lambda r: " " + r.group(1) + "：", s)
    s = _LATIN_GAP.sub(_GAP, re.sub(r"(?<=[A-Za-z.])\s+(?:and|AND|&)\s+(?=[A-Za-z])", "、", s))
    out = Credits()
    role: list[str] | None = None
    s = re.sub(r"[？?]\s*(?=(?:责任编辑|責任編輯|责编|責編|编辑|編輯|网编|網編)\s*[：:])", "/", s)  # "记者李韵报导？责任编辑：戴明"
    glued_ok = bool(_GLUED_EDITOR.search(s) or re.search(r"(?:^|\s)(?:责任编辑|責任編輯|责编|責編|网编|網編)", s))
    for part in re.split(r"[/／|｜︱。;；()（）]", s):
        part = _CONTRIBUTED.sub("", part.strip())  # "本台记者唐家婕对报道有贡献"
        if not part:
            continue
        src = _SOURCE_PART.match(part)
        if src:
            out.sources.append(src.group("src").strip())
            continue
        ok, role = _parse_part(part, out, role, glued_ok)
        if not ok:
            return None
    if not (out.authors or out.editors):
        return None
    return tuple(out.authors), tuple(out.editors), tuple(out.sources), tuple(out.outlets)


# The same lines come back again and again: a block is read as a credit at each
# step of peeling its page's ends, and the pages of an outlet end with the same few
# editor credits (a third of the texts tried on the bench are distinct). Short texts
# only, so that the memory held stays small; a credit is at most 90 characters anyway.
_REMEMBER_MAX = 200
_remembered_credit = lru_cache(maxsize=16384)(_parse_credit)
# The outlet names come from the tables: a change of tables forgets both.
sites.on_reload(_outlet_patterns.cache_clear)
sites.on_reload(_remembered_credit.cache_clear)


def _parse_part(part: str, out: Credits, role: list[str] | None,
                glued_ok: bool = False) -> tuple[bool, list[str] | None]:
    """Parse one ``/``-separated part; a role with no name carries over (``编辑/周玉林``)."""
    named_here = False
    for token in _SPLIT.split(re.sub(r"[：:]", " ", part)):
        if not token:
            continue
        outlets = _outlet_patterns()
        m = outlets.prefix.match(token)
        if m:
            if m.group("outlet"):
                out.outlets.append(m.group("outlet"))
            role, token = out.authors, token[m.end():]
            while (m := outlets.prefix.match(token)) and m.end() < len(token):  # "某报记者特约记者李明"
                token = token[m.end():]
            if not token:
                continue
        elif outlets.alone.match(token):
            out.outlets.append(token)
            role = out.authors
            continue
        else:
            matched = next((r for r in EDITOR_ROLES if token.startswith(r)), None)
            if matched:
                role, token = out.editors, token[len(matched):]
            else:
                matched = next((r for r in AUTHOR_ROLES if token == r or (len(r) > 1 and token.startswith(r))), None)
                if matched and not _TRAILING_ROLE.search(token[len(matched):] or "x"):
                    role, token = out.authors, token[len(matched):]
            if token in EDITOR_ROLES or token in AUTHOR_ROLES:
                token = ""  # two roles for one person: "采访编辑/刘惠", "摄影剪辑:Jacky"
            if not token:
                continue
        if role is None:
            return False, None
        if _TRAILING_ROLE.fullmatch(token) or _strip_place(_TRAILING_ROLE.sub("", token)) in PLACES \
                or _TRAILING_ROLE.sub("", token) in PLACES:
            continue  # "台北报导", "综合报导": a place or a verb, not a person
        reported = bool(_REPORTED.search(token))
        if reported and named_here and _unknown_place(_TRAILING_ROLE.sub("", token)):
            continue  # "记者 周明 海港城报导": the place the named reporter filed from
        name = _clean_name(token)
        if name and reported:
            name = _name_before_place(name)
        names = [name] if name else (_glued_names(token) if glued_ok else None)
        if names is None:
            return False, None
        for name in names:
            named_here = True
            if name not in role:
                role.append(name)
    return True, role


_REPORTED = re.compile(r"(?:报导|報導|报道|報道)$")
# A place name by its ending: a city, county, state, island, port ("海港城", "北城", "杭州", "南岛").
_PLACE_LIKE = re.compile(r"[\u4e00-\u9fff]{1,5}[城市州县縣镇鎮区區岛島港湾灣村郡省堡]")
_COMPOUND_SURNAMES = ("欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方", "皇甫", "尉迟", "尉遲", "公孙", "公孫",
                      "慕容", "令狐", "长孙", "長孫", "宇文", "司徒", "夏侯", "端木", "西门", "西門", "南宫", "南宮")


def _unknown_place(token: str) -> bool:
    """A reporting place no table lists, after the reporter's name: Han, and not a name's surname."""
    return 2 <= len(token) <= 6 and bool(_PLACE_LIKE.fullmatch(token)) and token[0] not in SURNAMES


def _name_before_place(name: str) -> str:
    """"王芳北城" (报导): a two- or three-character name glued to a place no table lists."""
    if not 4 <= len(name) <= 6 or name[0] not in SURNAMES or name.startswith(_COMPOUND_SURNAMES):
        return name
    head, place = (name[:2], name[2:]) if len(name) == 4 else (name[:3], name[3:])
    return head if _PLACE_LIKE.fullmatch(place) else name
