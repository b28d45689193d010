"""A site profile rendered as a draft site table (the TOML of ``transforms/sites/``)
with a comment on every line saying which pages justify it, and the
before/after sample that shows what installing it changes.
"""
from __future__ import annotations

import json
import re
import tomllib

from transforms.profile.stats import SiteProfile

_CONTROL = re.compile(r"[\x00-\x1f\x7f']")


def toml_string(value: str) -> str:
    """A TOML literal string when possible (regexes read as written), else a basic string."""
    if not _CONTROL.search(value):
        return "'" + value + "'"
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def table_data(p: SiteProfile, key: str) -> dict:
    """What the draft table holds, as :func:`transforms.sites._site_from_toml` reads it."""
    data: dict = {"key": key}
    if p.publisher:
        data["publisher"] = p.publisher
        data["names"] = list(p.names)
    if p.paths:
        data["paths"] = [f for f, _ in p.paths]
    elif p.domains:
        data["domains"] = [d for d, _ in p.domains]
    for field_name, items in (("url_dates", [u.pattern for u in p.url_dates]),
                              ("datelines", [d.pattern for d in p.datelines]),
                              ("drop_blocks", [b.pattern for b in p.blocks])):
        if items:
            data[field_name] = items
    if p.questions:
        data["questions"] = [_question(b) for b in p.questions]
    return data


QUESTION = ("recurs in one series but reads as story (an editor's note?): move the pattern to drop_blocks "
            "only if it is not part of the articles")


def _question(b) -> dict:
    """A block the draft asks about instead of dropping; the loader ignores ``questions``, so it is never applied."""
    return {"pattern": b.pattern, "pages": b.pages, "series": b.series, "example": _comment(b.example, 120),
            "ask": QUESTION}


def render_table(p: SiteProfile, key: str, source: str) -> str:
    """The draft as TOML text; parsing it back gives exactly :func:`table_data`."""
    lines = [
        f"# DRAFT site table for {key!r}, written by `news-etl profile` from {p.pages} pages "
        f"({p.distinct} distinct titles) of {source}.",
        "# Nothing here is applied until you install it (NEWS_ETL_SITES=<this folder>, or copy it into",
        "# transforms/sites/). Review every line: delete what is story, not boilerplate.",
        f"# Rules below were seen in at least {p.threshold} distinct pages.",
        f'key = "{key}"',
    ]
    if p.publisher:
        evidence = next(kinds for n, _, kinds in p.self_names if n == p.publisher)
        lines.append("# publisher: the name the pages give themselves most often ("
                     + ", ".join(f"{k} in {v} pages" for k, v in evidence.items()) + ")")
        lines.append(f"publisher = {toml_string(p.publisher)}")
        lines.append("names = [" + ", ".join(toml_string(n) for n in p.names) + "]")
    else:
        lines.append("# publisher: no name recurs in the pages (no dateline, source line, og:site_name or title suffix);")
        lines.append("# until you add one, the pipeline names the publisher as it does without a table.")
        lines.append("# publisher = \"…\"")
    if p.paths:
        why = ("the pages' URLs are of a platform many outlets publish on (" +
               ", ".join(f"{d} {n} pages" for d, n in p.domains) + "; several publishers), not this archive's own,"
               if p.platform else "no page has an original URL,")
        lines.append(f"# paths: {why} so the table is keyed by the folders its pages sit in (" +
                     ", ".join(f"{f} {n} pages" for f, n in p.paths) + ")")
        lines.append("paths = [" + ", ".join(toml_string(f) for f, _ in p.paths) + "]")
    elif p.domains:
        lines.append("# domains: hosts of the pages' original URLs (" +
                     ", ".join(f"{d} {n} pages" for d, n in p.domains) + ")")
        lines.append("domains = [" + ", ".join(toml_string(d) for d, _ in p.domains) + "]")
    if p.url_dates:
        lines.append("url_dates = [")
        for u in p.url_dates:
            agree = f", agrees with the page's own date in {u.agree} of {u.known}" if u.known else ""
            lines.append(f"  {toml_string(u.pattern)},  # dates {u.pages} URLs ({u.undated} pages undated now{agree})")
        lines.append("]")
    if p.datelines:
        lines.append("datelines = [")
        for d in p.datelines:
            lines.append(f"  {toml_string(d.pattern)},  # {d.pages} pages, e.g. {_comment(d.example, 40)}")
        lines.append("]")
    if p.blocks:
        lines.append("# drop_blocks: paragraphs that recur verbatim (digits aside) in many distinct pages")
        lines.append("drop_blocks = [")
        for b in p.blocks:
            names = f", {b.names} wordings differing in one name" if b.names else ""
            lines.append(f"  {toml_string(b.pattern)},  # {b.pages} pages ({b.boundary} at an end of the page{names})")
        lines.append("]")
    if p.questions:
        lines.append("# questions: NOT applied (the loader ignores this list). Each block recurs within one series")
        lines.append("# but reads as story; decide, and move its pattern to drop_blocks only if it is boilerplate.")
        for q in map(_question, p.questions):
            lines.append("[[questions]]")
            lines += [f"{k} = {q[k]}" if k == "pages" else f"{k} = {toml_string(q[k])}" for k in q]
    text = "\n".join(lines) + "\n"
    if tomllib.loads(text) != table_data(p, key):  # the comments must never change what the table says
        raise ValueError(f"draft table for {key!r} does not round-trip")
    return text


def render_sample(key: str, samples: list[dict]) -> str:
    """Markdown: for each sample page, the fields the draft changes and the text without and with it.

    ``samples`` hold ``source_path``, ``before`` and ``after`` (dicts of record fields), as the
    real pipeline produced them without and with the draft installed.
    """
    out = [f"# Draft `{key}`: before/after on {len(samples)} pages", "",
           "Produced by the real pipeline (`clean_document`, what `news-etl run` calls) without and with "
           "the draft installed.", ""]
    for s in samples:
        before, after = s["before"], s["after"]
        out += [f"## {s['source_path']}", ""]
        changed = [k for k in before if k != "text" and before[k] != after[k]]
        for k in changed:
            out.append(f"- {k}: `{before[k]}` → `{after[k]}`")
        if not changed:
            out.append("- metadata unchanged")
        out += ["", "### text without the draft", "", "```text", before["text"], "```", "",
                "### text with the draft", "", "```text", after["text"], "```", ""]
    return "\n".join(out)
