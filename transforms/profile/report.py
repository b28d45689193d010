"""The profile as text for people (one section per site) and as a dict for ``--json``."""
from __future__ import annotations

import re

from transforms.profile.stats import SiteProfile

SHOW = 8  # rows per list in the text report


def _short(text: str, limit: int = 50) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _counts(counts: dict, limit: int = SHOW) -> str:
    items = list(counts.items())
    shown = ", ".join(f"{k} {v}" for k, v in items[:limit])
    return shown + (f", … {len(items) - limit} more" if len(items) > limit else "") if items else "-"


def _defects(counts: dict, before: dict | None = None) -> str:
    """``markdown left 3/12, …``; with ``before``, ``markdown left 3 -> 0/12``: the gold-free counts at a glance."""
    n = counts.get("records", 0)
    return ", ".join(f"{k} {before[k]} -> {v}/{n}" if before else f"{k} {v}/{n}"
                     for k, v in counts.items() if k != "records")


def format_site(s: SiteProfile, effect: dict | None = None) -> str:
    n = s.pages
    cov = s.coverage
    lines = [
        f"== site {s.key}: {n} pages, {s.distinct} distinct titles; a rule needs {s.threshold} pages ==",
        f"  domains:     {_counts(dict(s.domains)) if s.domains else '(no original URL: grouped by mirror section)'}"
        + ("  (a platform of several publishers: the draft is keyed by folder)" if s.platform else ""),
        f"  layouts:     {_counts(s.layouts)}",
    ]
    if s.tables:
        lines.append(f"  tables used: {_counts(s.tables)}  (a draft with the same key replaces a bundled table; "
                     "profile with NEWS_ETL_DISABLE_SITES=KEY to draft one from scratch)")
    lines += [
        f"  metadata:    title {cov['title']}/{n}, published_at {cov['published_at']}/{n}, url {cov['url']}/{n}, "
        f"publisher {cov['publisher']}/{n} ({cov['publisher is a domain']} a bare domain), authors {cov['authors']}/{n}",
        f"  dates from:  {_counts(s.date_sources)}",
    ]
    lines.append(f"  defects:     {_defects(s.defects)}")
    if s.undated:
        more = f" … {len(s.undated) - 3} more" if len(s.undated) > 3 else ""
        lines.append(f"  undated:     {', '.join(s.undated[:3])}{more}")
    lines.append("  self-names:  " + ("; ".join(f"{name} in {pages} pages ({_counts(kinds)})"
                                               for name, pages, kinds in s.self_names[:SHOW]) or "-"))
    lines.append(f"  publisher:   {s.publisher or '- (none inferred)'}")
    lines.append(f"  recurring blocks ({len(s.blocks)}):")
    for b in s.blocks[:SHOW * 2]:
        measured = f", draft drops it in {effect['blocks dropped'][b.pattern]}" if effect else ""
        names = f", one pattern for {b.names} names" if b.names else ""
        lines.append(f"    {b.pages:>5} pages ({b.boundary} at an end{names}{measured})  {_short(b.example)}")
    if len(s.blocks) > SHOW * 2:
        lines.append(f"    … {len(s.blocks) - SHOW * 2} more (all in the draft)")
    if s.questions:
        lines.append(f"  questions ({len(s.questions)}; story-like blocks of one series, in the draft, not applied):")
        for q in s.questions[:SHOW]:
            lines.append(f"    {q.pages:>5} pages (series {q.series})  {_short(q.example)}")
    lines.append(f"  openings and closings ({len(s.shapes)}):")
    for sh in s.shapes[:SHOW * 2]:
        name = f"  names {sh.name}" if sh.name else ""
        lines.append(f"    {sh.pages:>5} pages  {sh.where}: {_short(sh.shape, 40)}{name}   e.g. {_short(sh.example, 30)}")
    lines.append("  datelines:   " + ("; ".join(f"{d.pattern} ({d.pages} pages)" for d in s.datelines) or "-"))
    lines.append("  url dates:   " + ("; ".join(f"{u.pattern} ({u.pages} URLs, {u.undated} undated now)"
                                               for u in s.url_dates) or "-"))
    if effect:
        dropped = sum(1 for v in effect["blocks dropped"].values() if v)
        lines.append(
            f"  draft, installed and measured: {effect['pages changed']}/{effect['pages']} pages change "
            f"({_counts(effect['fields changed'])}); publisher now {_counts(effect['publisher after'], 3)}; "
            f"dated {effect['dated before']} -> {effect['dated after']}; {dropped}/{len(effect['blocks dropped'])} "
            "block rules dropped something")
        lines.append(f"  defects with the draft: {_defects(effect['defects after'], effect['defects before'])}")
    return "\n".join(lines)


def format_profile(meta: dict, sites: list[SiteProfile], effects: dict[str, dict]) -> str:
    head = (f"profile of {meta['input']}: {meta['sampled']} of {meta['files']} files (seed {meta['seed']}), "
            f"{sum(s.pages for s in sites)} pages in {len(sites)} site(s), "
            f"{sum(meta['rejects'].values())} rejects ({_counts(meta['rejects'])}) in {meta['seconds']:.1f} s")
    parts = [head, *(format_site(s, effects.get(s.key)) for s in sites)]
    if meta.get("written"):
        parts.append("written: " + ", ".join(meta["written"]))
    return "\n\n".join(parts)


def profile_dict(meta: dict, sites: list[SiteProfile], effects: dict[str, dict]) -> dict:
    out = dict(meta)
    out["sites"] = []
    for s in sites:
        d = s.to_dict()
        d["effect"] = effects.get(s.key)
        out["sites"].append(d)
    return out
