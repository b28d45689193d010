"""Site-generator shortcodes in a post body, read as what they render to.

Hugo (``{{< figure src=… caption=… >}}``, ``{{< youtube ID >}}``, ``{{% notice %}}…``) and
WordPress (``[caption id=…]<img …> text[/caption]``, ``[embed]URL[/embed]``, ``[gallery ids=…]``)
write figures and embeds as shortcodes that the generator expands when it builds the page.
An archive of the *source* files keeps them as text, so without this they end up as text
blocks (``{{< youtube … >}}``) or as a caption glued to the story. Every generator of the
same kind writes the same shortcodes, so this is general code, not a site's table:

- a figure (Hugo ``figure``, WordPress ``caption``/``wp_caption``) becomes
  ``<figure><img><figcaption>``, so its image and caption go to ``images`` and not to ``text``;
- any other Hugo shortcode tag is dropped (an embed has no text of its own; a paired
  shortcode's inner text stays, as the rendered page shows it);
- WordPress's media shortcodes (``embed``, ``gallery``, ``video``, ``audio``, ``playlist``)
  are dropped with what they enclose (a URL, not story text).
"""
from __future__ import annotations

import html
import re

_ATTR = re.compile(r"""([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]>]+))""")
_HUGO_FIGURE = re.compile(r"\{\{[<%]\s*figure\b(?P<attrs>.*?)/?\s*[%>]\}\}", re.S)
_HUGO_ANY = re.compile(r"\{\{[<%]\s*/?\s*[\w.-]+\b[^{}]*?[%>]\}\}")
_WP_CAPTION = re.compile(r"\[(?:wp_)?caption\b(?P<attrs>[^\]]*)\](?P<inner>.*?)\[/(?:wp_)?caption\]", re.S | re.I)
_WP_MEDIA = re.compile(r"\[(?P<name>embed|video|audio|playlist)\b[^\]]*\].*?\[/(?P=name)\]"
                       r"|\[(?:gallery|embed|video|audio|playlist)\b[^\]]*\]", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_IMG = re.compile(r"<img\b[^>]*>", re.I)


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(text)}


def _figure(img: str, caption: str) -> str:
    caption = caption.strip()
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{img}{cap}</figure>"


def _hugo_figure(m: re.Match[str]) -> str:
    a = _attrs(m.group("attrs"))
    if not a.get("src"):
        return ""
    img = f'<img src="{html.escape(a["src"], quote=True)}" alt="{html.escape(a.get("alt", ""), quote=True)}">'
    return _figure(img, a.get("caption") or a.get("title") or "")


def _wp_caption(m: re.Match[str]) -> str:
    inner = m.group("inner")
    img = _IMG.search(inner)
    if not img:
        return ""
    caption = _attrs(m.group("attrs")).get("caption") or html.unescape(_TAG.sub("", inner))
    return _figure(img.group(0), caption)


def has_shortcodes(body: str) -> bool:
    return "{{" in body or "[/" in body or "[gallery" in body.lower() or "[embed" in body.lower()


def expand_shortcodes(body: str) -> str:
    """The body with figure shortcodes as HTML figures and embed/other shortcodes removed."""
    if not has_shortcodes(body):
        return body
    body = _HUGO_FIGURE.sub(_hugo_figure, body)
    body = _HUGO_ANY.sub("", body)
    body = _WP_CAPTION.sub(_wp_caption, body)
    return _WP_MEDIA.sub("", body)
