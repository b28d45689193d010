"""Raw layouts, most specific first. Each module has ``NAME``, ``detect(text)``
and ``split(text) -> Envelope``; :func:`split_layout` picks the first that fits.
"""
from __future__ import annotations

from types import ModuleType

from transforms.layouts import feed, feed_xml, html_page, jekyll, json_record, mhtml, mirror, plain_text
from transforms.layouts.base import Envelope

LAYOUTS: tuple[ModuleType, ...] = (jekyll, feed, mirror, mhtml, feed_xml, json_record, html_page, plain_text)


def split_layout(text: str) -> Envelope | None:
    """The envelope from the first layout that recognises ``text``; None if none does."""
    for layout in LAYOUTS:
        if layout.detect(text):
            return layout.split(text)
    return None


__all__ = ["LAYOUTS", "Envelope", "split_layout"]
