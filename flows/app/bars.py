"""Bar charts drawn straight onto a Pillow image: the little of a plotting library the run chart needs.

Every run draws its chart at the end, while nothing else is left to do: the
time it takes is added to the run. matplotlib took ~0.55 s of that tail on the
bench corpus (0.2 s import, 0.33 s drawing); these few rectangles and labels
take ~0.03 s. What is drawn: panels side by side, each with a title, a frame, a
y axis of round ticks with light grid lines, one slot per category with its
label (rotated when asked), bars stacked series over series, and a legend.

Text is set in one FreeType face (the chart passes Noto Sans CJK SC, so names
like 大纪元 keep every glyph); :func:`missing_glyphs` says which characters a
face would draw as its "no glyph" box.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

# matplotlib's "tab10", the colours a reader of charts knows.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]
GRID = "#e6e6e6"
FRAME = "#000000"
TEXT = "#000000"
# Headroom above the highest bar, as matplotlib leaves it.
HEADROOM = 1.05
# Share of a category's slot that its bar fills.
BAR_WIDTH = 0.8

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Series:
    """One layer of bars: a height per category, drawn over the layers before it."""

    label: str
    heights: list[int]
    color: str


@dataclass
class Panel:
    """One chart of the figure; ``weight`` is its share of the figure's width."""

    title: str
    categories: list[str]
    series: list[Series]
    weight: float = 1.0
    label_angle: int = 0  # degrees, counter-clockwise, of the category labels
    label_size: int = 10  # px
    legend: bool = False
    fonts: dict[int, Font] = field(default_factory=dict, repr=False)


def nice_step(top: float, most: int = 8) -> int:
    """The smallest of 1, 2, 5 × 10^k that divides ``[0, top]`` into at most ``most`` steps."""
    if top <= 0:
        return 1
    rough = top / most
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    for m in (1, 2, 5, 10):
        if m * magnitude >= rough:
            return max(1, int(m * magnitude))
    return int(10 * magnitude)  # unreachable: m = 10 always qualifies


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """The characters of ``text`` that ``font`` has no glyph for (it would draw its .notdef box)."""
    def shape(ch: str) -> tuple:
        mask = font.getmask(ch)
        return mask.size, bytes(mask)

    notdef = shape("\U0010fffd")  # a private-use code point: no face maps it
    return sorted({ch for ch in text if not ch.isspace() and shape(ch) == notdef})


def _text_size(font: Font, text: str) -> tuple[int, int, int, int]:
    return tuple(int(v) for v in font.getbbox(text))  # type: ignore[return-value]


def _draw_rotated(img: Image.Image, text: str, font: Font, angle: int, center_x: int, top: int) -> None:
    """``text`` rotated by ``angle``, centred under ``center_x`` with its top at ``top``."""
    x0, y0, x1, y1 = _text_size(font, text)
    label = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    ImageDraw.Draw(label).text((-x0, -y0), text, font=font, fill=255)
    if angle:
        label = label.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    img.paste(TEXT, (center_x - label.width // 2, top), label)


def _label_height(panel: Panel, font: Font) -> int:
    """Pixels the category labels need below the frame, rotated."""
    if not panel.categories:
        return 0
    boxes = [_text_size(font, c) for c in panel.categories]
    widest = max(x1 - x0 for x0, _, x1, _ in boxes)
    tallest = max(y1 - y0 for _, y0, _, y1 in boxes)
    a = math.radians(panel.label_angle)
    return int(abs(widest * math.sin(a)) + abs(tallest * math.cos(a))) + 2


def _draw_panel(img: Image.Image, draw: ImageDraw.ImageDraw, panel: Panel, box: tuple[int, int, int, int],
                face: str, face_index: int) -> None:
    left, top, right, bottom = box

    def font(size: int) -> Font:
        if size not in panel.fonts:
            panel.fonts[size] = ImageFont.truetype(face, size, index=face_index)
        return panel.fonts[size]

    title_font, tick_font, label_font = font(17), font(13), font(panel.label_size)
    tx0, _, tx1, ty1 = _text_size(title_font, panel.title)
    draw.text(((left + right) // 2 - (tx1 - tx0) // 2, top), panel.title, font=title_font, fill=TEXT)
    totals = [sum(s.heights[i] for s in panel.series) for i in range(len(panel.categories))]
    y_top = max(totals, default=0) * HEADROOM or 1
    step = nice_step(y_top)
    ticks = list(range(0, int(y_top) + 1, step))
    tick_width = max(_text_size(tick_font, str(t))[2] for t in ticks)
    plot = (left + tick_width + 10, top + ty1 + 10, right, bottom - _label_height(panel, label_font) - 8)
    px0, py0, px1, py1 = plot

    def y_of(value: float) -> float:
        return py1 - (py1 - py0) * value / y_top

    for t in ticks:
        y = round(y_of(t))
        draw.line((px0, y, px1, y), fill=GRID)
        draw.line((px0 - 4, y, px0, y), fill=FRAME)
        _, b0, b1, b2 = _text_size(tick_font, str(t))
        draw.text((px0 - 6 - b1, y - (b0 + b2) // 2), str(t), font=tick_font, fill=TEXT)
    n = len(panel.categories)
    slot = (px1 - px0) / (n + 1.2) if n else 0.0
    for i, category in enumerate(panel.categories):
        center = px0 + slot * (i + 1.1)
        half = slot * BAR_WIDTH / 2
        base = 0
        for s in panel.series:
            h = s.heights[i]
            if h:
                draw.rectangle((round(center - half), round(y_of(base + h)), round(center + half) - 1,
                                round(y_of(base))), fill=s.color)
                base += h
        draw.line((round(center), py1, round(center), py1 + 4), fill=FRAME)
        _draw_rotated(img, category, label_font, panel.label_angle, round(center), py1 + 7)
    draw.rectangle(plot, outline=FRAME)
    if panel.legend:
        _draw_legend(draw, [s for s in panel.series if any(s.heights)], font(11), px0 + 6, py0 + 6)


def _draw_legend(draw: ImageDraw.ImageDraw, series: list[Series], font: Font, x: int, y: int) -> None:
    if not series:
        return
    line = max(_text_size(font, s.label)[3] for s in series) + 4
    width = max(_text_size(font, s.label)[2] for s in series) + 34
    draw.rectangle((x, y, x + width, y + line * len(series) + 6), fill="#ffffff", outline="#cccccc")
    for k, s in enumerate(series):
        row = y + 4 + k * line
        draw.rectangle((x + 6, row + 2, x + 22, row + line - 4), fill=s.color)
        draw.text((x + 28, row), s.label, font=font, fill=TEXT)


def render(panels: list[Panel], size: tuple[int, int], face: str, face_index: int = 0) -> bytes:
    """The panels side by side on a white ``size`` image, as PNG bytes (deterministic for the same input)."""
    width, height = size
    img = Image.new("RGB", size, "#ffffff")
    draw = ImageDraw.Draw(img)
    margin, gap = 12, 40
    usable = width - 2 * margin - gap * (len(panels) - 1)
    total = sum(p.weight for p in panels) or 1.0
    x = margin
    for p in panels:
        w = round(usable * p.weight / total)
        _draw_panel(img, draw, p, (x, margin, x + w, height - margin), face, face_index)
        x += w + gap
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
