"""The dataset chart: CJK labels with no missing glyph, and the chart every run
leaves in Prefect, read back from a real server on loopback."""
from __future__ import annotations

import base64
import json
import re
import struct
import urllib.request
import warnings
from collections import Counter
from pathlib import Path

import pytest

from flows.app import chart
from flows.app.chart import CHART_KEY, render_png
from flows.app.stats import DatasetStats, collect
from tests.test_incremental import cli, summary_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CJK_PUBLISHERS = ["大纪元", "自由亚洲电台", "希望之声", "東方日報", "美國之音"]


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


def _missing_glyphs(s: DatasetStats) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_png(s)
    return png, [str(w.message) for w in caught if re.search(r"Glyph .* missing from font", str(w.message))]


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_cjk_publisher_names_have_every_glyph() -> None:
    png, missing = _missing_glyphs(_stats(CJK_PUBLISHERS))
    assert missing == []
    assert _size(png) == (1400, 500)


def test_without_the_cjk_font_glyphs_would_be_missing(monkeypatch) -> None:
    """The check above can fail: the same chart in matplotlib's default font reports missing glyphs."""
    monkeypatch.setattr(chart, "FONT_FAMILIES", ["DejaVu Sans"])
    _, missing = _missing_glyphs(_stats(CJK_PUBLISHERS))
    assert missing and any("大" in m or "5927" in m for m in missing)


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
