"""Per-site statistics learned from the corpus itself: recurring blocks, opening
and closing shapes, self-names, URL dates, metadata coverage.

Only general statistics: a block is a candidate because it recurs verbatim in
many distinct pages of one site, not because anything here knows it. Pages are
counted once per distinct title, so a story the mirror filed in several sections
does not make its own paragraphs look like boilerplate.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from transforms.defects import defect_counts
from transforms.metadata import date_from_match
from transforms.profile import shapes
from transforms.profile.pages import Page
from transforms.sites import host_of, is_share_url

MIN_PAGES = 3
MIN_SHARE = 0.05
# In this many distinct pages a block is no story, whatever its share: on a big site a section's
# own notice stands in a small share of all pages (stories recur in a handful at most).
ENOUGH_PAGES = 50
BOUNDARY = 2  # blocks this close to either end of a page count as boundary blocks
MAX_BLOCK = 600  # longer paragraphs are story, however often they recur

# Second-level labels under a country code that are not a registrable name: news.example.com.tw -> example.com.tw.
_GENERIC_SLD = frozenset({"com", "net", "org", "gov", "edu", "co", "ac", "or", "ne", "go", "mil", "info", "biz"})
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$|^\[?[0-9a-f:]+\]?$")
# Date shapes article URLs use that the general URL rules do not read (those need a table per site).
URL_DATE_TEMPLATES: tuple[str, ...] = (
    r"/(?P<y>\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/",
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)(?!\d)",
    r"(?<!\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?P<y>(?:19|20)\d{2})(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)(?!\d)",
    r"(?<!\d)(?P<d>[0-3]\d)(?P<m>[01]\d)(?P<y>(?:19|20)\d{2})(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)(?!\d)",
    r"(?<!\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?P<y>(?:19|20)\d{2})(?!\d)",
    r"(?<!\d)(?P<d>[0-3]\d)(?P<m>[01]\d)(?P<y>(?:19|20)\d{2})(?!\d)",
    r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?=\d{4,10}(?!\d))",
)
# Self-names: a source line, a title's site suffix; role words after an outlet's name in a credit.
_SOURCE_LINE = re.compile(r"^[(（]?\s*(?:文章|新闻|新聞|稿件)?(?:来源|來源|出处|出處)\s*[：:]\s*(?P<src>[^()（）\s]{2,30}?)\s*[)）]?$")
_TITLE_SUFFIX = re.compile(r"\s[-|｜–—_]\s*(?P<name>[^-|｜–—_]{2,24})$|[|｜](?P<name2>[^|｜]{2,24})$")
_CREDIT_NAME = re.compile(r"^[(（]?(?:以上|这|這|本文|此文|作者)?(?:是|为|為|系|係)?(?P<name>[\u4e00-\u9fffA-Za-z]{2,12}?)"
                          r"(?:特约|特約|资深|資深)?(?:记者|記者|通讯员|通訊員|评论员|評論員)")
# "本台记者…", "本报讯": the page speaking of itself, which names no outlet.
_SELF_REFERENCE = re.compile(r"^本(?:台|报|報|网|網|站|刊|社)")
EVIDENCE_ORDER = ("dateline", "source", "site_name", "title_suffix", "credit")


@dataclass
class Block:
    """A block that recurs verbatim (digits aside) in many pages of one site."""

    pattern: str
    example: str
    pages: int
    boundary: int  # pages where it stood within BOUNDARY blocks of an end
    paths: list[str] = field(default_factory=list)
    names: int = 0  # distinct wordings when the pattern leaves a name open (0: one wording, digits aside)
    series: str | None = None  # set when it reads as story within one series: a question, not a rule


@dataclass
class Shape:
    """A recurring opening or closing of the site's pages."""

    where: str  # opening | closing | dateline (removed by the rules)
    shape: str
    pages: int
    example: str
    name: str | None = None


@dataclass
class Dateline:
    pattern: str
    pages: int  # leads (left in the text or removed by the general rules) it matches
    example: str


@dataclass
class UrlDate:
    pattern: str
    pages: int  # pages whose URL it dates
    undated: int  # of those, pages the pipeline left without a date
    agree: int  # pages with a date from elsewhere where it gives the same day
    known: int


@dataclass
class SiteProfile:
    key: str
    pages: int
    distinct: int  # distinct titles
    domains: list[tuple[str, int]]
    layouts: dict[str, int]
    coverage: dict[str, int]
    date_sources: dict[str, int]
    undated: list[str]
    tables: dict[str, int]  # site tables the pipeline already applied
    blocks: list[Block]
    questions: list[Block]  # blocks that read as story within one series: asked about, never drafted as rules
    shapes: list[Shape]
    self_names: list[tuple[str, int, dict[str, int]]]
    publisher: str | None
    names: list[str]
    datelines: list[Dateline]
    url_dates: list[UrlDate]
    threshold: int
    # Folders of the pages when no original URL groups them: the draft is keyed by them (``paths``),
    # or installing it would change none of the pages it was drafted from.
    paths: list[tuple[str, int]] = field(default_factory=list)
    defects: dict[str, int] = field(default_factory=dict)  # gold-free, of the pages as cleaned now
    # The pages' URL domain serves many outlets (reposts linking a platform's originals): keyed by folder instead.
    platform: bool = False

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def registrable_domain(host: str) -> str:
    """``www.news.example.com.tw`` -> ``example.com.tw``: the last two labels, three under a generic second level."""
    host = host.lower().rstrip(".").removeprefix("www.")
    labels = host.split(".")
    if _IP.match(host) or len(labels) <= 2:
        return host
    if len(labels[-1]) == 2 and labels[-2] in _GENERIC_SLD:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def key_for_domain(domain: str) -> str:
    """A table key from a domain: ``example-news.org`` -> ``example_news``."""
    label = domain.split(".")[0] if not _IP.match(domain) else domain
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_") or "site"


def section_of(source_path: str) -> str:
    """The folder a file sits in (a mirror's section), ``(top)`` for files at the root."""
    parts = source_path.split("/")
    return parts[-2] if len(parts) > 1 else "(top)"


def folder_of(source_path: str) -> str:
    """The folder path a file sits in, relative to the input root, with a trailing ``/`` (``""`` at the root)."""
    head, _, _ = source_path.replace("\\", "/").rpartition("/")
    return head + "/" if head else ""


def group_of(page: Page) -> tuple[str, str | None]:
    """The site of a page: (key, registrable domain) from its original URL, else (mirror section, None)."""
    host = host_of(page.url)
    if host and not is_share_url(page.url):
        domain = registrable_domain(host)
        return key_for_domain(domain), domain
    return section_of(page.source_path), None


PLATFORM_NAMES = 3  # distinct outlet names on one domain's pages that make it a platform
PLATFORM_TOP = 0.6  # ... when the most common of them names fewer than this share of the named pages


def is_platform(pages: list[Page]) -> bool:
    """The pages' URLs are of a platform many outlets publish on (an archive of reposts of several WeChat
    accounts), not of one site: their publishers are several names, none on most pages. A draft keyed
    by that domain would apply to every repost of the platform anywhere; one keyed by folder, to these."""
    names = Counter(p.publisher for p in pages if p.publisher and "." not in p.publisher)
    total = sum(names.values())
    return len(names) >= PLATFORM_NAMES and names.most_common(1)[0][1] < PLATFORM_TOP * total


def threshold_for(distinct: int, min_share: float = MIN_SHARE, min_pages: int = MIN_PAGES) -> int:
    """Pages a rule needs: ``min_share`` of the distinct pages, at least ``min_pages``, at most ENOUGH_PAGES."""
    return max(min_pages, min(math.ceil(min_share * distinct), ENOUGH_PAGES))


def _distinct(pages: list[Page]) -> list[Page]:
    """One page per title (the first): copies of a story count once."""
    seen: set[str] = set()
    out = []
    for p in pages:
        key = p.title or p.text[:200] or p.source_path
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# A word of a block that may be a name: a run between spaces and punctuation, no digit (digits are a class
# already), short. Blocks that differ only in such a word ("© 张三 for 某网站", "© 李四 for 某网站") are one rule.
_WORD = re.compile(r"[^\s\d,，.。:：;；|｜()（）\[\]【】「」『』《》<>'\"·、/@#&=+*~-]{1,16}")
NAME_GAP = r"\S.{0,38}?"  # the name a template leaves open: one to forty characters, no leading space
MIN_NAMES = 2  # distinct names a template must have seen
# Sentence ends: a block with two of them (or one in a long block) reads as story, not as a line of chrome.
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?=\s|$)")
STORY_CHARS = 80
# A Chinese clause comma or full stop: prose, whose differing word is a topic, not a poster's name.
_CLAUSE = re.compile(r"[，。！？；]")


def reads_as_story(text: str) -> bool:
    """Two sentences or more, or a long block ending a sentence: prose someone wrote, not a site's chrome line."""
    ends = len(_SENTENCE_END.findall(text))
    return ends >= 2 or (ends >= 1 and len(text) >= STORY_CHARS)


def _series_of(pages: list[Page]) -> str | None:
    """The title start the pages of a block share (a column's name), if any."""
    prefix = shapes.common_prefix(p.title or "" for p in pages)
    cut = max(prefix.rfind(c) for c in "：:|｜-—–·】]")
    prefix = (prefix[:cut] if cut > 0 else prefix).strip(" ：:|｜-—–·【】[]")
    return prefix if len(prefix) >= 2 else None


def _keep(hits: list[tuple[Page, bool, str]], threshold: int) -> bool:
    """Enough pages: ``threshold`` near an end of most of them, twice as many (at least 5) in the middle."""
    pages = {id(p) for p, _, _ in hits}
    boundary = sum(1 for _, b, _ in hits if b)
    return len(pages) >= threshold and (boundary * 2 >= len(hits) or len(pages) >= max(2 * threshold, 5))


def _template_pattern(prefix: str, suffix: str) -> str:
    """A regex for a digit key with a name left open: ``prefix NAME suffix`` (digits any digits, spaces any)."""
    def lit(part: str) -> str:
        return r"\d+".join(re.escape(x).replace("\\ ", r"\s+") for x in re.split(r"0+", part))
    return "^" + lit(prefix) + NAME_GAP + lit(suffix) + "$"


def _name_templates(where: dict[str, list[tuple[Page, bool, str]]], threshold: int) -> list[tuple[str, list, int]]:
    """(pattern, hits, names) for blocks that differ only in one short word across pages, greedily, most pages first.

    Only chrome lines are templated: a block that reads as story never is, so story paragraphs that
    differ in a topic word are not mistaken for a footer naming a poster.
    """
    groups: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (prefix, suffix) -> key -> the word
    for key in where:
        if len(key) > 200 or reads_as_story(key) or _CLAUSE.search(key):
            continue
        for m in _WORD.finditer(key):
            prefix, suffix = key[:m.start()], key[m.end():]
            if len(re.sub(r"\W", "", prefix + suffix)) < max(4, len(m.group(0))):
                continue  # too little fixed text to say the blocks are one line
            groups[(prefix, suffix)][key] = m.group(0)
    ranked = sorted(groups.items(), key=lambda kv: (-sum(len(where[k]) for k in kv[1]), -len(kv[0][0] + kv[0][1])))
    taken: set[str] = set()
    out = []
    for (prefix, suffix), words in ranked:
        keys = [k for k in words if k not in taken]
        if len({words[k] for k in keys}) < MIN_NAMES:
            continue
        hits = [h for k in keys for h in where[k]]
        if _keep(hits, threshold):
            taken.update(keys)
            out.append((_template_pattern(prefix, suffix), hits, len({words[k] for k in keys})))
    return out


def recurring_blocks(pages: list[Page], threshold: int) -> list[Block]:
    """Paragraphs that recur (digits normalised, or but for one name) in at least ``threshold`` distinct pages.

    A block that stands near an end of the page in most of its pages needs
    ``threshold`` pages; one in the middle of the text, twice as many. Blocks that
    differ only in a short word (the poster's name in a feed footer) are one rule, not
    one per name. A block that reads as story and recurs in less than half of the
    pages (an editor's note of one series) is marked a question (``series``): the
    draft asks about it rather than dropping it.
    """
    where: dict[str, list[tuple[Page, bool, str]]] = defaultdict(list)
    for page in pages:
        n = len(page.paragraphs)
        seen: set[str] = set()
        for i, para in enumerate(page.paragraphs):
            if len(para) > MAX_BLOCK or not re.search(r"\w", para):
                continue
            key = shapes.digit_key(para)
            if key in seen:
                continue
            seen.add(key)
            where[key].append((page, i < BOUNDARY or i >= n - BOUNDARY, para))
    found = []
    templated = _name_templates({k: v for k, v in where.items() if len(v) < len(pages)}, threshold)
    taken = {shapes.digit_key(p) for _, hits, _ in templated for _, _, p in hits}
    candidates = [(shapes.exact_pattern(Counter(p for _, _, p in hits).most_common(1)[0][0]), hits, 0)
                  for key, hits in where.items() if key not in taken and len(hits) >= threshold and _keep(hits, threshold)]
    for pattern, hits, names in candidates + templated:
        example = Counter(p for _, _, p in hits).most_common(1)[0][0]
        block_pages = [p for p, _, _ in hits]
        question = reads_as_story(example) and len(hits) * 2 < len(pages)
        found.append(Block(pattern, example, len(hits), sum(1 for _, b, _ in hits if b),
                           [p.source_path for p in block_pages[:5]],
                           names=names,
                           series=(_series_of(block_pages) or "(one series)") if question else None))
    return sorted(found, key=lambda b: (-b.pages, b.example))


def _count_shapes(where: str, items: list[tuple[str, str]], threshold: int) -> list[Shape]:
    """(generalised, example) items -> shapes in at least ``threshold`` pages; near-misses merged by their affixes."""
    exact = Counter(g for g, _ in items)
    example = {}
    for g, e in items:
        example.setdefault(g, e)
    found = [Shape(where, g, n, example[g]) for g, n in exact.items() if n >= threshold]
    rest: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for g, e in items:
        if exact[g] < threshold:
            key = shapes.affix_key(g)
            if key:
                rest[key].append((g, e))
    for group in rest.values():
        if len(group) >= threshold:
            merged = shapes.merge_affixes([g for g, _ in group])
            if len(merged.replace(shapes.GAP, "")) >= 4:
                found.append(Shape(where, merged, len(group), group[0][1]))
    return found


def recurring_shapes(pages: list[Page], threshold: int) -> list[Shape]:
    """Openings and closings of the pages, generalised, that recur; and the datelines the general rules removed."""
    leads, tails, removed = [], [], []
    for page in pages:
        if page.paragraphs:
            leads += [(shapes.generalise(lead), lead) for lead in shapes.leads_of(page.paragraphs[0])]
            tail = shapes.tail_of(page.paragraphs[-1])
            if tail:
                tails.append((shapes.generalise(tail), tail))
        for rule, snippet in page.removed:
            if rule == "dateline":
                removed.append((shapes.generalise(snippet.strip()), snippet.strip()))
                break
    found = (_count_shapes("opening", leads, threshold) + _count_shapes("closing", tails, threshold)
             + _count_shapes("dateline (removed by the rules)", removed, threshold))
    for s in found:
        s.name = shapes.dateline_name(s.shape) if s.where != "closing" else None
        if s.name is None:
            m = _CREDIT_NAME.match(s.shape)
            s.name = m.group("name") if m and s.where != "dateline (removed by the rules)" else None
    return sorted(found, key=lambda s: (-s.pages, s.where, s.shape))


def _name_prefix(names: Counter) -> str | None:
    """The name most leads share: the longest prefix that covers nearly as many pages as the best one."""
    cover: Counter = Counter()
    for name, n in names.items():
        for i in range(2, len(name) + 1):
            cover[name[:i]] += n
    if not cover:
        return None
    best = max(cover.values())
    return max((p for p, n in cover.items() if n >= 0.8 * best), key=len)


def self_names(pages: list[Page], threshold: int) -> list[tuple[str, int, dict[str, int]]]:
    """Names the pages give themselves, with the pages that give each and by what evidence."""
    dateline_names: Counter = Counter()
    credit_names: Counter = Counter()
    evidence: dict[str, Counter] = defaultdict(Counter)
    for page in pages:
        leads = [s for r, s in page.removed if r == "dateline"][:1]
        if page.paragraphs:
            leads += shapes.leads_of(page.paragraphs[0])[:1]
        for lead in leads:
            name = shapes.dateline_name(shapes.generalise(lead))
            if name:
                dateline_names[name] += 1
                break
        credit = None
        ends = ([*shapes.leads_of(page.paragraphs[0]), shapes.tail_of(page.paragraphs[-1]) or ""]) if page.paragraphs else []
        for part in ends:
            m = _CREDIT_NAME.match(part)
            if m and len(part) <= 60:
                credit = m.group("name")
        for r, s in page.removed:
            m = _CREDIT_NAME.match(s) if r in ("leading_byline", "credit_line", "trailing_credit") else None
            if m:
                credit = m.group("name")
        if credit:
            credit_names[credit] += 1
        sources = [m.group("src") for t in [s for r, s in page.removed if r == "source_line"] + list(page.paragraphs[-3:])
                   if (m := _SOURCE_LINE.match(t))]
        for src in dict.fromkeys(sources):
            evidence[src]["source"] += 1
        if page.site_name:
            evidence[page.site_name]["site_name"] += 1
        m = _TITLE_SUFFIX.search(page.title or "")
        if m:
            evidence[(m.group("name") or m.group("name2")).strip()]["title_suffix"] += 1
    for names, kind in ((dateline_names, "dateline"), (credit_names, "credit")):
        prefix = _name_prefix(names)
        if prefix:
            evidence[prefix][kind] += sum(n for name, n in names.items() if name.startswith(prefix))
    for name in sorted(evidence, key=len, reverse=True):  # "示例晚报社" folds into "示例晚报" when both are seen
        shorter = next((n for n in evidence if n != name and len(n) >= 2 and name.startswith(n)), None)
        if shorter:
            for kind, n in evidence.pop(name).items():
                evidence[shorter][kind] = max(evidence[shorter][kind], n) if kind in evidence[shorter] else n
    out = []
    for name, kinds in evidence.items():
        if _SELF_REFERENCE.match(name):
            continue
        pages_n = max(kinds.values())
        if pages_n >= threshold or (kinds.get("site_name", 0) >= MIN_PAGES):
            out.append((name, pages_n, dict(kinds)))
    rank = {k: i for i, k in enumerate(EVIDENCE_ORDER)}
    return sorted(out, key=lambda t: (-t[1], min(rank[k] for k in t[2]), t[0]))


def datelines_for(found: list[Shape], pages: list[Page], publisher: str | None) -> list[Dateline]:
    """Dateline patterns for the dated lead shapes that name the site, with the leads each matches."""
    leads = []
    for page in pages:
        removed = [s for r, s in page.removed if r == "dateline"]
        if removed:
            leads.append(removed[0].strip())
        elif page.paragraphs:
            leads.append(page.paragraphs[0])
    out: dict[str, Dateline] = {}
    for s in found:
        if s.where == "closing" or not s.name:
            continue
        name = publisher if publisher and s.name.startswith(publisher) else s.name
        pattern = shapes.dateline_regex(name, s.shape)
        if not pattern or pattern in out:
            continue
        rx = re.compile(pattern)
        hits = [lead for lead in leads if rx.match(lead)]
        if hits and any(date_from_match(rx.match(h), default_year=2000) for h in hits):
            out[pattern] = Dateline(pattern, len(hits), rx.match(hits[0]).group(0))
    return sorted(out.values(), key=lambda d: -d.pages)


def url_dates_for(pages: list[Page], threshold: int) -> list[UrlDate]:
    """A URL date template that reads a valid date out of most of the site's URLs and agrees with the dates
    the pages give elsewhere; ambiguous day/month orders are settled by those dates, or not proposed."""
    with_url = [p for p in pages if p.url]
    if len(with_url) < threshold:
        return []
    scored = []
    for template in URL_DATE_TEMPLATES:
        rx = re.compile(template)
        dated, undated, agree, known = 0, 0, 0, 0
        for p in with_url:
            m = rx.search(urlsplit(p.url).path if "://" in p.url else p.url)
            d = date_from_match(m) if m else None
            if d is None:
                continue
            dated += 1
            if p.published_at is None:
                undated += 1
            elif p.date_source != "url":
                known += 1
                agree += abs((p.published_at - d).total_seconds()) <= 86400 * 1.5
        if dated >= max(threshold, 0.8 * len(with_url)) and (known < MIN_PAGES or agree >= 0.9 * known):
            scored.append(UrlDate(template, dated, undated, agree, known))
    if not scored:
        return []
    best = max(scored, key=lambda u: (u.agree, u.pages, u.undated))
    # Two orders that both fit (every day was 12 or less) and that no page's own date tells apart.
    rivals = [u for u in scored if u is not best and (u.agree, u.pages) == (best.agree, best.pages)]
    if rivals and best.known < MIN_PAGES:
        return []
    return [best] if best.undated or best.agree else []


def profile_site(key: str, pages: list[Page], min_share: float = MIN_SHARE, min_pages: int = MIN_PAGES) -> SiteProfile:
    """Everything the profiler reports and drafts for one site's pages."""
    distinct = _distinct(pages)
    threshold = threshold_for(len(distinct), min_share, min_pages)
    domains = Counter(registrable_domain(host_of(p.url)) for p in pages if host_of(p.url) and not is_share_url(p.url))
    platform = is_platform(pages) if domains else False
    found_blocks = recurring_blocks(distinct, threshold)
    blocks = [b for b in found_blocks if b.series is None]
    # Openings and closings as they stand once the recurring blocks are gone (a dateline under a navigation line).
    rules = [re.compile(b.pattern) for b in blocks]
    trimmed = [replace(p, paragraphs=tuple(x for x in p.paragraphs if not any(r.search(x) for r in rules)))
               if rules else p for p in distinct]
    found_shapes = recurring_shapes(trimmed, threshold)
    names = self_names(trimmed, threshold)
    publisher = names[0][0] if names else None
    spellings = [n for n, _, _ in names if publisher and n != publisher and (n.startswith(publisher) or publisher.startswith(n))]
    return SiteProfile(
        key=key, pages=len(pages), distinct=len(distinct),
        domains=sorted(domains.items(), key=lambda kv: (-kv[1], kv[0])),
        layouts=dict(Counter(p.layout for p in pages).most_common()),
        coverage={
            "title": sum(1 for p in pages if p.title),
            "published_at": sum(1 for p in pages if p.published_at),
            "url": sum(1 for p in pages if p.url),
            "publisher": sum(1 for p in pages if p.publisher),
            "publisher is a domain": sum(1 for p in pages if p.publisher and "." in p.publisher),
            "authors": sum(1 for p in pages if p.authors),
        },
        date_sources=dict(Counter(p.date_source or "(none)" for p in pages).most_common()),
        undated=[p.source_path for p in pages if p.published_at is None],
        tables=dict(Counter(p.site for p in pages if p.site).most_common()),
        blocks=blocks,
        questions=[b for b in found_blocks if b.series is not None],
        shapes=found_shapes,
        self_names=names,
        publisher=publisher,
        names=[publisher, *spellings] if publisher else [],
        datelines=datelines_for(found_shapes, trimmed, publisher),
        url_dates=url_dates_for(pages, threshold),
        threshold=threshold,
        defects=defect_counts({"text": p.text, "published_at": p.published_at, "url": p.url, "publisher": p.publisher}
                              for p in pages),
        platform=platform,
        paths=[] if domains and not platform else sorted(Counter(f for p in pages if (f := folder_of(p.source_path))).items(),
                                        key=lambda kv: (-kv[1], kv[0])),
    )
