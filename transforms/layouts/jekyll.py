"""Jekyll posts: YAML front matter, HTML body, link footer (the finance mirror), and the
conventions of other generators (:func:`apply_conventions`: URL and author keys, a
feed-archive header after the front matter, a site suffix in the title).

Front matter is untrusted. python-frontmatter splits it from the content and
loads it through a handler whose loader is derived from ``yaml.SafeLoader``
and constructs nothing it does not know: an unknown tag
(``!!python/object/apply:os.system``) becomes null, never a call; aliases are
refused (no "billion laughs" expansion); a timestamp that is not a real date
stays a string; duplicate keys keep the last value, as Jekyll does, and are
noted in ``rules_fired``. A header without its closing ``---`` ends at the first
line that is not YAML. Invalid YAML falls back to plain ``key: value`` lines.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib

import frontmatter
import yaml

from transforms.general_rules import general_rules
from transforms.layouts.base import Envelope
from transforms.layouts.header import read_header
from transforms.metadata import DEFAULT_TZ, MAX_YEAR, MIN_YEAR, parse_datetime, split_names
from transforms.publisher import looks_like_outlet, split_title_suffix
from transforms.sites import is_share_url, publisher_aliases
from transforms.text import is_cjk, normalize_title

NAME = "jekyll"
_OPEN = re.compile(r"\A\ufeff?\s*(?P<fence>---|\+\+\+)[ \t]*\n")
_CLOSE_LINES = {"---": re.compile(r"---[ \t]*\n?"), "+++": re.compile(r"\+\+\+[ \t]*\n?")}
# python-frontmatter's YAML boundary narrowed to the line _CLOSE_LINES["---"] accepts (its own also takes ``----``).
_BOUNDARY = re.compile(r"^---[ \t]*$", re.M)
_KEY_LINE = re.compile(r"^[ \t]*(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$", re.M)
# Hugo's TOML front matter between ``+++`` lines: ``key = value``.
_TOML_KEY_LINE = re.compile(r"^[ \t]*(?P<key>[A-Za-z_][\w-]*)[ \t]*=[ \t]*(?P<value>.*)$", re.M)
# Lines that can belong to a YAML header: blank, indented, comments, list items, ``key: value``.
_YAMLISH = re.compile(r"(?:[ \t]*|[ \t]+\S.*|#.*|-(?:[ \t].*)?|[^\s<#-][^\n]*?:(?:[ \t].*)?|\.\.\.[ \t]*)\n?")
# Lines of a TOML header: blank, comments, tables, ``key = value``, continuation of arrays.
_TOMLISH = re.compile(r"(?:[ \t]*|[ \t]*#.*|[ \t]*\[\[?[^\]\n]+\]\]?[ \t]*|[ \t]*[\w.\"'-]+[ \t]*=.*|[ \t]+\S.*|[\]}].*)\n?")
_LINE = re.compile(r"[^\n]*\n?")
# Footer lines: <http://...> autolinks and [返回…](…)｜[返回首页](…) navigation.
_AUTOLINK = re.compile(r"^[ \t]*<(?P<url>https?://[^>\s]+)>[ \t]*$", re.M)
_BACK_LINKS = re.compile(r"^[ \t]*\[返回[^\]]*\]\([^)]*\).*$", re.M)
_URL_VALUE = re.compile(r"^https?://\S+$")
# Pelican's and MultiMarkdown's header: ``Key: value`` lines from the first line to the first blank one,
# a value continued on indented lines; a word-like key, so a sentence with a colon is not a key.
_META_KEY_LINE = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_-]{0,30})[ \t]*:(?:[ \t]+(?P<value>[^\n]*?))?[ \t]*(?:\n|\Z)")
_META_CONTINUATION = re.compile(r"[ \t]+(?P<value>\S[^\n]*?)[ \t]*(?:\n|\Z)")
_META_END = re.compile(r"[ \t]*(?:\n|\Z)")
# Keys whose values are lists written as ``a, b, c`` in such a header.
_META_LIST_KEYS = frozenset({"tags", "tag", "category", "categories", "keywords"})
# A header inside the content only with a linked title: a plain line over a rule is the body's own.
_INNER_KINDS = frozenset({"link"})
# At most this many categories or tags are kept from one header.
_MAX_LIST = 100


def _header(text: str) -> tuple[str, str, bool] | None:
    """``(header, content, terminated)`` for a file that opens with ``---`` (YAML) or ``+++`` (TOML).

    The header runs to the closing ``---``; when a line before it cannot be
    YAML (the body of a post whose closing line is missing), it ends there.
    """
    m = _OPEN.match(text)
    if not m:
        return None
    pos = m.end()
    close = _CLOSE_LINES[m.group("fence")]
    lines = _TOMLISH if m.group("fence") == "+++" else _YAMLISH
    while pos < len(text):
        line = _LINE.match(text, pos)
        end = line.end()
        if close.fullmatch(line.group(0)):
            return text[m.end():pos], text[end:], True
        if not lines.fullmatch(line.group(0)):
            break
        pos = end
    return text[m.end():pos], text[pos:], False


def _is_toml(text: str) -> bool:
    m = _OPEN.match(text)
    return bool(m) and m.group("fence") == "+++"


def _meta_lines(text: str) -> tuple[dict[str, str], str] | None:
    """``(metadata, content)`` of a file that opens with Pelican/MultiMarkdown ``Key: value`` lines.

    Keys are case-insensitive (kept lower-cased, the last of a repeated key wins);
    an indented line continues the value above it. The header ends at the first
    blank line, and counts only when every line before it has that shape, it has
    at least two keys and one of them is ``title``: the keys a post's generator
    reads, not a paragraph that happens to open with ``Note: …``.
    """
    pos, data, last = (1 if text.startswith("\ufeff") else 0), {}, None
    while pos < len(text):
        if (end := _META_END.match(text, pos)) and end.end() > pos:
            pos = end.end()
            break
        if last is not None and (m := _META_CONTINUATION.match(text, pos)):
            before, more = data[last], m.group("value")
            cjk = bool(before) and is_cjk(before[-1]) and is_cjk(more[0])
            data[last] = f"{before}{'' if cjk or not before else ' '}{more}"
        elif m := _META_KEY_LINE.match(text, pos):
            last = m.group("key").lower()
            data[last] = (m.group("value") or "").strip()
        else:
            return None
        pos = m.end()
    if "title" not in data or len(data) < 2:
        return None
    return data, text[pos:]


def _meta_data(meta: dict[str, str]) -> dict[str, object]:
    """The header's values as front matter would hold them: ``a, b`` lists split on their commas."""
    return {k: [v.strip() for v in re.split(r"[,，;；]", value) if v.strip()] if k in _META_LIST_KEYS else value
            for k, value in meta.items() if value}


def detect(text: str) -> bool:
    parts = _header(text)
    if parts:
        return bool((_TOML_KEY_LINE if _is_toml(text) else _KEY_LINE).search(parts[0]))
    return _meta_lines(text) is not None


class _HeaderLoader(yaml.SafeLoader):
    """SafeLoader that ignores unknown tags, refuses aliases and notes duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.ignored_tags: list[str] = []
        self.duplicate_keys: list[str] = []

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed in front matter",
                                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = key_node.value
                    if key in seen:
                        self.duplicate_keys.append(str(key)[:40])
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _ignore_tag(loader: _HeaderLoader, tag_suffix_or_node, node=None):  # type: ignore[no-untyped-def]
    """Unknown tags (``!!python/object/apply:…``) become null; nothing is constructed."""
    node = node if node is not None else tag_suffix_or_node
    loader.ignored_tags.append(str(node.tag)[:80])
    return None


def _timestamp_or_string(loader: _HeaderLoader, node: yaml.Node) -> object:
    """A timestamp-shaped scalar that is not a real date (``2022-13-45``) stays a string."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_HeaderLoader.add_constructor(None, _ignore_tag)
_HeaderLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_string)


class _RestrictedYAMLHandler(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler with :class:`_HeaderLoader` in place of PyYAML's loader.

    The library splits the header from the content on its ``---`` lines; this
    handler only swaps the loader and keeps what it noted (ignored tags,
    duplicate keys) for the caller's ``rules_fired``.
    """

    def __init__(self) -> None:
        super().__init__(fm_boundary=_BOUNDARY)
        self.ignored_tags: list[str] = []
        self.duplicate_keys: list[str] = []

    def load(self, fm: str, **kwargs: object) -> dict:
        loader = _HeaderLoader(fm)  # the reader refuses non-printable characters here already
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        self.ignored_tags, self.duplicate_keys = loader.ignored_tags, loader.duplicate_keys
        if not isinstance(data, dict):
            raise yaml.YAMLError("front matter is not a mapping")
        return data


class _TOMLHandler(frontmatter.TOMLHandler):
    """python-frontmatter's TOML handler (``+++`` boundaries) reading with the standard library's
    ``tomllib``: TOML constructs plain data only, so nothing needs restricting."""

    def load(self, fm: str, **kwargs: object) -> dict:
        return tomllib.loads(fm)


def _load_front_matter(text: str, rules: list[str]) -> tuple[dict, str]:
    """Parse the header with python-frontmatter and the restricted loader.

    What the library does not do stays here: a BOM before ``---`` is dropped,
    an unterminated header is closed where :func:`_header` ends it, and invalid
    YAML falls back to ``key: value`` lines.
    """
    header, content, terminated = _header(text)  # type: ignore[misc]
    toml = _is_toml(text)
    fence = "+++" if toml else "---"
    if not terminated:
        rules.append("front_matter_unterminated")
        text = f"{fence}\n{header}\n{fence}\n{content}"
    handler: frontmatter.BaseHandler = _TOMLHandler() if toml else _RestrictedYAMLHandler()
    try:
        data, content = frontmatter.parse(text.lstrip("\ufeff \t\r\n") if toml else text.lstrip("\ufeff"),
                                          handler=handler)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, TypeError, RecursionError) as exc:
        rules.append(f"front_matter_invalid:{type(exc).__name__}")
        # Tagged, anchored or aliased values are YAML this fallback does not understand: skipped.
        data = {k.group("key"): k.group("value").strip().strip("'\"") for k in
                (_TOML_KEY_LINE if toml else _KEY_LINE).finditer(header)
                if not k.group("value").lstrip().startswith(("!", "&", "*"))}
        return data, content
    if toml:
        rules.append("front_matter:toml")
        # Hugo keeps a theme's own keys under [params]: the conventions read them like top-level keys.
        params = data.get("params")
        if isinstance(params, dict):
            data = {**{k: v for k, v in params.items() if isinstance(k, str)}, **data}
        return data, content
    rules += [f"front_matter_tag_ignored:{t}" for t in dict.fromkeys(handler.ignored_tags)]
    rules += [f"front_matter_duplicate_key:{k}" for k in dict.fromkeys(handler.duplicate_keys)]
    return data, content


def _scalar(value: object) -> bool:
    return isinstance(value, (str, int, float, dt.date))


def _as_list(value: object) -> list[str]:
    """Categories or tags: scalars only (nested lists and mappings are dropped), at most 100."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value[:_MAX_LIST] if _scalar(v) and not isinstance(v, bool)]
        return [v for v in items if v]
    if not _scalar(value) or isinstance(value, bool):
        return []
    return [v for v in str(value).split() if v][:_MAX_LIST]


def _raw_value(header: str, key: str) -> str | None:
    """The value of the last ``key:`` line as written (the one YAML keeps)."""
    values = [m.group("value") for m in _KEY_LINE.finditer(header) if m.group("key") == key]
    return (values[-1].strip().strip("'\"") or None) if values else None


def _as_title(value: object, header: str) -> str | None:
    """A string title as is; a number or date (``title: 2022``) as the header wrote it; else null."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, dt.date)):
        return _raw_value(header, "title") or str(value)
    return None


def _plausible(value: dt.datetime) -> dt.datetime | None:
    """Dates outside the plausible window (year 1 or 9999, whose UTC form overflows) are damage."""
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return _plausible(value if value.tzinfo else value.replace(tzinfo=DEFAULT_TZ))
    if isinstance(value, dt.date):  # midnight, in the default zone, that day
        return _plausible(dt.datetime(value.year, value.month, value.day, tzinfo=DEFAULT_TZ))
    if value is None or not _scalar(value) or isinstance(value, bool):
        return None
    return parse_datetime(str(value))  # "0001-01-01" is None there, not 2001


def split(text: str) -> Envelope:
    rules: list[str] = []
    meta = None if _header(text) else _meta_lines(text)
    if meta is not None:
        data, content = _meta_data(meta[0]), meta[1]
        header = ""
        rules.append("front_matter:meta_lines")
    else:
        data, content = _load_front_matter(text, rules)
        header = _header(text)[0]  # type: ignore[index]
    published = _as_datetime(data.get("date"))
    env = Envelope(
        layout=NAME,
        body=content,
        title=_as_title(data.get("title"), header),
        published=published,
        date_source="front_matter" if published else None,
        categories=_as_list(data.get("categories") or data.get("category")),
        tags=_as_list(data.get("tags") or data.get("tag")),
        rules_fired=rules,
    )
    apply_conventions(env, data)
    return env


def apply_conventions(env: Envelope, data: dict) -> None:
    """What generators put in and after the front matter, read into ``env`` (its ``body`` the content).

    Apart from the YAML parsing on purpose: these are the general table's conventions
    (``url_keys``, ``author_keys``), a feed-archive header right after the front matter, the
    link footer of the finance mirror, and a site suffix of the title.
    """
    g = general_rules()
    content = env.body
    inner = read_header(content, kinds=_INNER_KINDS)
    if inner:  # "<!--epoch-->", "[title](url)", "-----", "日期：…" right after the front matter
        content = content[inner.end:]
        env.title = env.title or inner.title
        env.url = inner.url if inner.url and not is_share_url(inner.url) else None
        if env.published is None and inner.published is not None:
            env.published, env.date_source = inner.published, inner.date_source
        env.rules_fired.append("jekyll:feed_header")
    for m in _AUTOLINK.finditer(content):
        link = m.group("url")
        if is_share_url(link):
            env.share_url = env.share_url or link
        else:
            env.url = env.url or link
    env.body = _BACK_LINKS.sub("", _AUTOLINK.sub("", content))
    for key in g.url_keys:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        if _URL_VALUE.match(value):
            if is_share_url(value):
                env.share_url = env.share_url or value
            elif not env.url:
                env.url = value
                env.rules_fired.append(f"jekyll:{key}")
        elif key in ("source", "from") and len(value) <= 40:
            env.source_name = env.source_name or value  # "source: 某某日报": the outlet, not a URL
    for key in g.author_keys:
        names = [n for n in _names(data.get(key)) if n.casefold() not in g.account_names]
        if names:
            env.authors = [n for n in dict.fromkeys([*env.authors, *names])]
    # A generator that fills ``author`` with the site's own name: "title: 标题 - 某站", "author: 某站".
    site_like = next((a for a in env.authors if a in (env.title or "")[-len(a) - 3:]), None)
    title, suffix = split_title_suffix(normalize_title(env.title), site_like)
    if suffix:
        env.title, env.title_suffix = title, suffix
        env.rules_fired.append("title_suffix")
    aliases = publisher_aliases()
    # ... or an outlet's name by its shape ("author: 乡村教育周刊"): a publication, not a person.
    own = [a for a in env.authors if a == suffix or a == env.site_name or a in aliases or looks_like_outlet(a)]
    if own:
        env.authors = [a for a in env.authors if a not in own]
        env.source_name = env.source_name or own[0]
        env.rules_fired.append("jekyll:author_is_site")


def _names(value: object) -> list[str]:
    """``author: 李明`` / ``authors: [李明, 王芳]`` / ``author: {name: 李明}`` as names."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        return split_names(value)[:_MAX_LIST]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value[:_MAX_LIST]:
            out += _names(v)
        return out
    return []
