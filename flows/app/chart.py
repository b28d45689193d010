"""The dataset chart: articles per month stacked by publisher, and rejects by reason.

``news-etl stats --plot FILE.png`` writes it to a file; every run also leaves it
in Prefect as the markdown artifact ``news-etl-run-chart``, the PNG embedded as
a ``data:`` URI (the Prefect UI renders markdown images, and a data URI needs
no server to host the file). Publisher names are drawn as written (大纪元): the
labels are set in Noto Sans CJK SC, which the ``noto-cjk-sans-otc`` package
ships, so no system font is needed.

Drawn by :mod:`flows.app.bars` (Pillow), not matplotlib: the chart is the last
thing a run does, and matplotlib's import and drawing were ~0.55 s of that
tail on the bench corpus, where Pillow takes ~0.03 s.
"""
from __future__ import annotations

import base64
from collections import Counter
from functools import cache

from flows.app import bars
from flows.app.stats import DatasetStats, collect

CHART_KEY = "news-etl-run-chart"
# The face of the Noto Sans CJK collection with Simplified Chinese glyph shapes (it has Latin, Cyrillic,
# Greek, kana and Hangul too).
FONT_FACE = "Noto Sans CJK SC"
TOP_PUBLISHERS = 9
SIZE = (1400, 500)
# Changes whenever the drawing does, so that a chart cached by another renderer is drawn again.
STYLE = "pillow-1"
REJECT_COLOR = "#d62728"


@cache
def font_file() -> tuple[str, int]:
    """The packaged Noto Sans CJK collection and the index of :data:`FONT_FACE` in it."""
    import noto_cjk_sans_otc
    from PIL import ImageFont

    path = str(noto_cjk_sans_otc.FONT_PATH)
    for index in range(32):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if face.getname()[0] == FONT_FACE:
            return path, index
    return path, 0


def panels(s: DatasetStats) -> list[bars.Panel]:
    """What the chart shows: months with a layer per top publisher (the rest as "other"), then rejects."""
    months = sorted(s.by_month)
    publishers: Counter = Counter()
    for (pub, _), n in s.by_publisher_month.items():
        publishers[pub] += n
    top = [p for p, _ in publishers.most_common(TOP_PUBLISHERS)]
    layers: dict[str | None, list[int]] = {p: [0] * len(months) for p in [*top, None]}
    column = {m: i for i, m in enumerate(months)}
    for (pub, month), n in s.by_publisher_month.items():
        layers[pub if pub in layers else None][column[month]] += n
    series = [bars.Series(pub or "other", heights, bars.PALETTE[k % len(bars.PALETTE)])
              for k, (pub, heights) in enumerate(layers.items()) if any(heights)]
    reasons = s.reject_reasons.most_common()
    return [
        bars.Panel(f"articles per month ({s.articles})", months, series, weight=3, label_angle=90, label_size=10,
                   legend=bool(top)),
        bars.Panel(f"rejects by reason ({s.rejects})", [r for r, _ in reasons],
                   [bars.Series("rejects", [n for _, n in reasons], REJECT_COLOR)], weight=1, label_angle=45,
                   label_size=12),
    ]


def render_png(s: DatasetStats) -> bytes:
    """The chart of ``s`` as PNG bytes (1400x500 px)."""
    path, index = font_file()
    return bars.render(panels(s), SIZE, path, index)


def plot(s: DatasetStats, path: str) -> None:
    """``news-etl stats --plot``: the chart as a PNG file."""
    with open(path, "wb") as f:
        f.write(render_png(s))


def chart_markdown(png: bytes, caption: str) -> str:
    """Markdown that shows ``png`` inline, with no file to host."""
    return f"![{caption}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def cached_png(output_url: str, s: DatasetStats) -> bytes:
    """:func:`render_png` of ``s``, kept under ``OUTPUT/_runs/`` by the counts it draws.

    A run that changed nothing draws the same chart as the run before, so it reads
    that one back instead (the key is a hash of every count drawn and of :data:`STYLE`)."""
    import hashlib
    import json
    import posixpath

    from flows.inputs.storage import open_root

    counts = {k: sorted(map(list, getattr(s, k).items()), key=repr) if isinstance(getattr(s, k), Counter)
              else getattr(s, k) for k in s.__dataclass_fields__}
    counts["style"] = STYLE
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
