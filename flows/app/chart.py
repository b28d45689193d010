"""The dataset chart: articles per month stacked by publisher, and rejects by reason.

``news-etl stats --plot FILE.png`` writes it to a file; every run also leaves it
in Prefect as the markdown artifact ``news-etl-run-chart``, the PNG embedded as
a ``data:`` URI (the Prefect UI renders markdown images, and a data URI needs
no server to host the file). Publisher names are drawn as written (大纪元): the
labels are set in Noto Sans CJK, which the ``noto-cjk-sans-otc`` package ships,
so no system font is needed.

Drawing uses a bare :class:`~matplotlib.figure.Figure` (no pyplot): no global
backend state in the flow process, and matplotlib is imported only when a chart
is drawn.
"""
from __future__ import annotations

import base64
import io
from collections import Counter
from functools import cache

from flows.app.stats import DatasetStats, collect

CHART_KEY = "news-etl-run-chart"
# One face of the Noto Sans CJK collection: Simplified Chinese glyph shapes; DejaVu for anything it lacks.
FONT_FAMILIES = ["Noto Sans CJK SC", "DejaVu Sans"]
TOP_PUBLISHERS = 9


@cache
def _register_cjk_font() -> None:
    """Add the packaged Noto Sans CJK collection (every face of it) to matplotlib's fonts, once per process."""
    import noto_cjk_sans_otc
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))


def render_png(s: DatasetStats) -> bytes:
    """The chart of ``s`` as PNG bytes (1400x500 px)."""
    import matplotlib
    from matplotlib.figure import Figure

    _register_cjk_font()
    months = sorted(s.by_month)
    publishers = Counter()
    for (pub, _), n in s.by_publisher_month.items():
        publishers[pub] += n
    top = [p for p, _ in publishers.most_common(TOP_PUBLISHERS)]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": FONT_FAMILIES}):
        fig = Figure(figsize=(14, 5))
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
        bottom = [0] * len(months)
        for pub in [*top, None]:  # None: every publisher outside the top ones
            heights = [sum(n for (p, m), n in s.by_publisher_month.items()
                           if m == month and (p == pub if pub is not None else p not in top))
                       for month in months]
            if any(heights):
                ax1.bar(months, heights, bottom=bottom, label=pub or "other")
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax1.set_title(f"articles per month ({s.articles})")
        ax1.tick_params(axis="x", labelrotation=90, labelsize=7)
        if top:
            ax1.legend(fontsize=7)
        reasons = s.reject_reasons.most_common()
        ax2.bar([r for r, _ in reasons], [n for _, n in reasons], color="tab:red")
        ax2.set_title(f"rejects by reason ({s.rejects})")
        ax2.tick_params(axis="x", labelrotation=45, labelsize=8)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def plot(s: DatasetStats, path: str) -> None:
    """``news-etl stats --plot``: the chart as a PNG file."""
    with open(path, "wb") as f:
        f.write(render_png(s))


def chart_markdown(png: bytes, caption: str) -> str:
    """Markdown that shows ``png`` inline, with no file to host."""
    return f"![{caption}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def cached_png(output_url: str, s: DatasetStats) -> bytes:
    """:func:`render_png` of ``s``, kept under ``OUTPUT/_runs/`` by the counts it draws.

    Drawing costs ~1.3 CPU-s (matplotlib), counting the dataset a fraction of that;
    a run that changed nothing draws the same chart as the run before, so it reads
    that one back instead (the key is a hash of every count drawn)."""
    import hashlib
    import json
    import posixpath

    from flows.inputs.storage import open_root

    counts = {k: sorted(map(list, getattr(s, k).items()), key=repr) if isinstance(getattr(s, k), Counter)
              else getattr(s, k) for k in s.__dataclass_fields__}
    key = hashlib.sha256(json.dumps(counts, ensure_ascii=False, default=str, sort_keys=True).encode()).hexdigest()[:16]
    fs, root = open_root(output_url)
    path = posixpath.join(root, "_runs", f"_chart-{key}.png")
    try:
        with fs.open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, OSError):
        pass
    png = render_png(s)
    try:
        for old in fs.glob(posixpath.join(root, "_runs", "_chart-*.png")):
            fs.rm(old)
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
        with fs.open(path, "wb") as fh:
            fh.write(png)
    except OSError:
        pass  # a cache: a read-only or unreachable output only costs the drawing next time
    return png


def create_chart_artifact(output_url: str, run_id: str) -> None:
    """The chart of the output as it stands after run ``run_id``, as a markdown artifact of the current flow run."""
    from prefect.artifacts import create_markdown_artifact

    from flows.app.assets import location

    s = collect(output_url)
    body = "\n\n".join([
        f"# news-etl run `{run_id}`: the dataset now",
        f"{s.articles} articles ({s.duplicates} linked as duplicates), {s.rejects} rejects in `{location(output_url)}`.",
        chart_markdown(cached_png(output_url, s), "articles per month by publisher, rejects by reason"),
    ])
    create_markdown_artifact(body, key=CHART_KEY, description=f"news-etl run {run_id}: chart of the dataset")
