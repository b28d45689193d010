"""Pages saved as one file (MHTML): the HTML part unwrapped, then read as a saved page."""
from __future__ import annotations

import base64
import datetime as dt
import quopri

from transforms.layouts import mhtml, split_layout
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

PAGE = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>河湾新桥合龙_河湾日报</title><meta property="og:site_name" content="河湾日报">
<meta property="article:published_time" content="2021-03-14T09:30:00+08:00"></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/local">本地</a></div>
<div class="article"><h1>河湾新桥合龙</h1><div class="info"><span>来源：河湾日报</span><span>记者：何静怡</span></div>
<div class="content"><p>河湾新桥昨天凌晨顺利合龙，预计今年国庆前通车，届时两岸居民过江只需五分钟。</p>
<p>大桥全长420米，主跨160米，合龙段钢箱梁重约85吨，由浮吊船运至江心吊装完成。</p></div>
<div class="editor">责编：杨帆</div></div></body></html>"""


def _mhtml(html: str, encoding: str = "quoted-printable", location: str = "https://hw.example/news/1.html") -> bytes:
    data = html.encode("utf-8")
    body = quopri.encodestring(data).decode("ascii") if encoding == "quoted-printable" else \
        "\n".join(base64.encodebytes(data).decode("ascii").splitlines())
    return (f"From: <Saved by Blink>\nSnapshot-Content-Location: {location}\nSubject: x\n"
            "Date: Sun, 28 Jun 2020 12:53:23 -0000\nMIME-Version: 1.0\n"
            'Content-Type: multipart/related;\n\ttype="text/html";\n\tboundary="----B----"\n\n\n'
            f"------B----\nContent-Type: text/html\nContent-Transfer-Encoding: {encoding}\n"
            f"Content-Location: {location}\n\n{body}\n"
            "------B----\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
            "------B------\n").encode("ascii")


def test_a_saved_page_is_read_from_its_html_part_never_dated_by_the_save() -> None:
    for encoding in ("quoted-printable", "base64"):
        r = clean_document(_mhtml(PAGE, encoding), "saved/bridge.mhtml")
        assert isinstance(r, Record), r
        assert r.layout == "html" and "mhtml" in r.rules_fired
        assert r.title == "河湾新桥合龙" and r.publisher == "河湾日报"
        assert r.published_at == dt.datetime(2021, 3, 14, 1, 30, tzinfo=dt.UTC)  # not the 2020 save date
        assert r.url == "https://hw.example/news/1.html"  # the snapshot's address: the page gives none
        assert r.authors == ["何静怡"] and r.editors == ["杨帆"]  # the info line and the credit under the story
        assert r.text.startswith("河湾新桥昨天凌晨顺利合龙") and r.text.endswith("由浮吊船运至江心吊装完成。")


def test_what_is_not_a_saved_page() -> None:
    assert not mhtml.detect("MIME-Version: 1.0\nContent-Type: text/plain\n\nhello")
    assert not mhtml.detect("<html>Content-Type: multipart/related MIME-Version: 1.0</html>")
    no_html = _mhtml(PAGE).decode().replace("Content-Type: text/html", "Content-Type: text/css")
    env = split_layout(no_html)
    assert env.body == "" and "mhtml:no_html_part" in env.rules_fired
    r = clean_document(no_html.encode(), "saved/empty.mhtml")
    assert isinstance(r, Reject) and r.reason == "no_content"


def test_a_timestamp_alone_in_the_info_line_dates_a_page_without_meta() -> None:
    page = PAGE.replace('<meta property="article:published_time" content="2021-03-14T09:30:00+08:00">', "").replace(
        "<span>来源：河湾日报</span>", "<span>2021-03-14 07:45</span>　<span>来源：河湾日报</span>")
    r = clean_document(_mhtml(page, location="https://hw.example/2021/03/10/1.html"), "saved/bridge.mhtml")
    assert r.published_at == dt.datetime(2021, 3, 13, 23, 45, tzinfo=dt.UTC)  # China time, over the URL's date
    assert r.date_source == "page_date"
