"""The dataset chart: CJK labels with no missing glyph, and the chart every run
leaves in Prefect, read back from a real server on loopback."""
from __future__ import annotations

import base64
import io
import json
import re
import struct
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from flows.app import bars, chart
from flows.app.chart import CHART_KEY, render_png
from flows.app.stats import DatasetStats, collect
from tests.test_incremental import cli, summary_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CJK_PUBLISHERS = ["大纪元", "自由亚洲电台", "希望之声", "東方日報", "美國之音", "Радио Свобода"]


def _stats(publishers: list[str]) -> DatasetStats:
    s = DatasetStats(articles=0, rejects=2)
    for i, pub in enumerate(publishers):
        month = f"2020-{i % 12 + 1:02d}"
        s.by_publisher_month[(pub, month)] += i + 1
        s.by_month[month] += i + 1
        s.by_publisher[pub] += i + 1
        s.articles += i + 1
    s.reject_reasons = Counter({"binary": 1, "不是文章": 1})
    return s


def _labels(s: DatasetStats) -> str:
    """Every text the chart of ``s`` sets."""
    return "".join(p.title + "".join(p.categories) + "".join(x.label for x in p.series) for p in chart.panels(s))


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _chart_face() -> ImageFont.FreeTypeFont:
    path, index = chart.font_file()
    return ImageFont.truetype(path, 12, index=index)


def test_cjk_publisher_names_have_every_glyph() -> None:
    s = _stats(CJK_PUBLISHERS)
    face = _chart_face()
    assert face.getname()[0] == "Noto Sans CJK SC"
    labels = _labels(s)
    assert "大纪元" in labels and "不是文章" in labels and "Радио" in labels
    assert bars.missing_glyphs(face, labels) == []
    assert _size(render_png(s)) == (1400, 500)


def test_without_the_cjk_font_glyphs_would_be_missing() -> None:
    """The check above can fail: Pillow's own default face has no Chinese glyphs."""
    latin_only = ImageFont.load_default(size=12)
    assert isinstance(latin_only, ImageFont.FreeTypeFont)
    missing = bars.missing_glyphs(latin_only, _labels(_stats(CJK_PUBLISHERS)))
    assert "大" in missing and "纪" in missing
    assert "a" not in missing and "1" not in missing


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _rows_of(img: Image.Image, color: str, x: int) -> list[int]:
    want = _rgb(color)
    return [y for y in range(img.height) if img.getpixel((x, y)) == want]


def _bars_of(img: Image.Image, color: str, min_width: int = 30) -> list[tuple[int, int, int]]:
    """``(first x, last x, rows of colour)`` of each run of columns holding ``color`` at least ``min_width`` wide
    (a bar; a legend swatch is narrower)."""
    runs: list[list[int]] = []
    for x in range(img.width):
        if _rows_of(img, color, x):
            if runs and runs[-1][-1] == x - 1:
                runs[-1].append(x)
            else:
                runs.append([x])
    return [(r[0], r[-1], len(_rows_of(img, color, r[len(r) // 2]))) for r in runs if len(r) >= min_width]


def test_bars_stack_in_proportion_and_the_legend_names_each_drawn_series() -> None:
    series = [bars.Series("a", [30, 0, 10], bars.PALETTE[0]), bars.Series("b", [10, 0, 0], bars.PALETTE[1]),
              bars.Series("never drawn", [0, 0, 0], bars.PALETTE[2])]
    png = bars.render([bars.Panel("t", ["x", "y", "z"], series, legend=True)], (600, 400), *chart.font_file())
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (600, 400)
    (a1_left, a1_right, a1), (a3_left, _, a3) = _bars_of(img, bars.PALETTE[0])
    [(b_left, b_right, b1)] = _bars_of(img, bars.PALETTE[1])
    assert (b_left, b_right) == (a1_left, a1_right)  # b stacked on a in the first slot
    assert max(_rows_of(img, bars.PALETTE[1], b_left)) < min(_rows_of(img, bars.PALETTE[0], b_left))
    assert abs(a1 - 3 * b1) <= 3 and abs(a3 - b1) <= 1  # heights 30, 10, 10
    assert a3_left - a1_right > (a1_right - a1_left)  # the empty middle slot lies between
    # both drawn series have a legend swatch; the one with nothing to draw has neither bar nor swatch
    assert len(_bars_of(img, bars.PALETTE[0], min_width=10)) == 3
    assert len(_bars_of(img, bars.PALETTE[1], min_width=10)) == 2
    assert not _bars_of(img, bars.PALETTE[2], min_width=1)


@pytest.mark.parametrize(("top", "step"), [(0, 1), (5, 1), (4400 * 1.05, 1000), (14583 * 1.05, 2000), (9, 2),
                                           (130, 20), (1_000_000, 200_000)])
def test_nice_step(top: float, step: int) -> None:
    assert bars.nice_step(top) == step
    assert top / step <= 8


def test_a_chart_cached_by_another_drawing_style_is_drawn_again(tmp_path: Path, monkeypatch) -> None:
    s = _stats(CJK_PUBLISHERS[:2])
    out = tmp_path / "out"
    png = chart.cached_png(str(out), s)
    assert png == render_png(s)
    [cached] = (out / "_runs").glob("_chart-*.png")
    cached.write_bytes(b"drawn by another renderer")
    assert chart.cached_png(str(out), s) == b"drawn by another renderer"  # same style: read back
    monkeypatch.setattr(chart, "STYLE", "another")
    assert chart.cached_png(str(out), s) == png
    assert [p.name for p in (out / "_runs").glob("_chart-*.png")] != [cached.name]


def _chart_artifact(server, run_id: str) -> dict:
    """The chart artifact of run ``run_id``, read back through the server's REST API."""
    body = json.dumps({"artifacts": {"key": {"any_": [CHART_KEY]}}}).encode()
    req = urllib.request.Request(server.api_url + "/artifacts/filter", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        found = [a for a in json.load(r) if run_id in (a.get("description") or "")]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.slow
def test_every_run_leaves_the_chart_of_its_data_in_prefect(prefect_server, sample_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = summary_of(cli(prefect_server, str(sample_dir), str(out)))
    art = _chart_artifact(prefect_server, summary["run_id"])
    assert art["type"] == "markdown"
    m = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", art["data"])
    assert m, art["data"][:300]
    png = base64.b64decode(m.group(1), validate=True)
    assert _size(png) == (1400, 500)
    # the chart of this run's output, pixel for pixel
    stats = collect(str(out))
    assert stats.articles == summary["articles_total"] and stats.rejects == summary["rejects_total"]
    assert png == render_png(stats)
    assert f"{summary['articles_total']} articles" in art["data"]
