"""Two header shapes read by shape: a feed entry stored as XML (RSS item, Atom entry), and a
Pelican/MultiMarkdown post's ``Key: value`` lines; and the English credit lines such posts end with.

The families ``feed_item_xml`` and ``pelican_metadata`` (tests/test_families.py) score whole
pages; these pin the edges: what is not such a header, what a feed file with many entries
becomes, and XML that must not be expanded or fetched.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.credits import parse_credit
from transforms.layouts import feed_xml, jekyll, split_layout
from transforms.pipeline import clean_document
from transforms.records import Record, Reject

FAMILIES = Path(__file__).parent / "fixtures" / "families"

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Riverside Gazette</title><link>https://gazette.example.org</link>
{items}
</channel></rss>"""
ITEM = """<item><title>Bridge {n} reopens</title><link>https://gazette.example.org/bridge-{n}</link>
<pubDate>Tue, 03 Mar 2020 08:15:00 +0000</pubDate><author>news@gazette.example.org (Ann Lee)</author>
<description>Teaser only.</description>
<content:encoded><![CDATA[<p>The bridge reopened to traffic on Tuesday after four months of repairs.</p>
<p>Buses return to their old route next week.</p>]]></content:encoded></item>"""


def test_rss_item_reads_every_field_and_prefers_the_full_content_to_the_teaser() -> None:
    r = clean_document(RSS.format(items=ITEM.format(n=1)).encode(), "feeds/bridge.xml")
    assert isinstance(r, Record), r
    assert r.layout == "feed_xml" and r.title == "Bridge 1 reopens"
    assert r.url == "https://gazette.example.org/bridge-1"
    assert r.published_at == dt.datetime(2020, 3, 3, 8, 15, tzinfo=dt.UTC) and r.date_source == "feed_entry"
    assert r.publisher == "Riverside Gazette" and r.authors == ["Ann Lee"]  # "email (Name)": the name
    assert r.text == "The bridge reopened to traffic on Tuesday after four months of repairs.\n\n" \
                     "Buses return to their old route next week."


def test_a_feed_with_many_entries_is_rejected_whole_with_the_count() -> None:
    r = clean_document(RSS.format(items=ITEM.format(n=1) + ITEM.format(n=2)).encode(), "feeds/two.xml")
    assert isinstance(r, Reject) and r.reason == "feed_many_entries"
    assert "2 entries" in r.detail


def test_atom_entry_alone_with_xhtml_content_and_two_authors() -> None:
    text = """<entry xmlns="http://www.w3.org/2005/Atom"><title type="html">Pier &amp;lt;6&amp;gt; closes</title>
<link rel="self" href="https://x.example/self"/><link rel="alternate" type="text/html" href="https://x.example/pier-6"/>
<updated>2023-11-02T16:40:12Z</updated><published>2023-11-02T14:05:00+08:00</published>
<author><name>Elena Park</name></author><author><name>Marcus Bell</name></author>
<category term="Transit"/><summary>Short.</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Pier 6 closes for six weeks from Saturday.</p></div></content>
</entry>"""
    env = split_layout(text)
    assert env.layout == "feed_xml" and env.title == "Pier <6> closes"
    assert env.url == "https://x.example/pier-6"  # alternate, not self
    assert env.published == dt.datetime(2023, 11, 2, 6, 5, tzinfo=dt.UTC)  # published, not updated
    assert env.authors == ["Elena Park", "Marcus Bell"] and env.categories == ["Transit"]
    assert "xmlns" not in env.body and "Pier 6 closes" in env.body


def test_the_sites_own_account_is_not_an_author_and_entities_are_not_expanded() -> None:
    bomb = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Hill Post</title><item><title>Fair &c; &ext;</title>
<link>https://hill.example/fair</link><dc:creator>admin</dc:creator><dc:creator>Hill Post</dc:creator>
<description>&lt;p&gt;The fair opens on Friday.&lt;/p&gt;</description></item></channel></rss>"""
    env = split_layout(bomb)
    assert env.layout == "feed_xml" and env.authors == []
    assert "aaaa" not in (env.title or "") and "root:" not in (env.title or "")
    assert "The fair opens on Friday." in env.body


def test_what_is_not_a_feed_entry() -> None:
    assert not feed_xml.detect("<html><body><p>a page</p></body></html>")
    assert not feed_xml.detect("The feed <rss> element is old.")
    assert feed_xml.detect('\ufeff<?xml version="1.0"?>\n<!-- saved -->\n<rss version="2.0"></rss>')
    r = clean_document(b"<rss><channel><title>Empty</title></channel></rss>", "feeds/empty.xml")
    assert isinstance(r, Reject) and r.reason == "no_content"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_after_a_feed_root_gives_a_record_or_a_reject(tail: str) -> None:
    r = clean_document(("<rss><channel><item><title>x</title>" + tail).encode("utf-8", "surrogatepass"), "f.xml")
    assert isinstance(r, (Record, Reject))
    assert not (isinstance(r, Reject) and r.reason == "error"), r.detail


def test_key_lines_header_is_read_like_front_matter() -> None:
    text = ("Title: Council backs the plan to close Harbour Street\n    to cars on weekends\n"
            "date: 2021/03/04 14:05\nTags: transport, town centre\nAuthors: Ann Lee, Tom Wu\n"
            "Link: https://porthaven.example/harbour\n\nHarbour Street closes to cars on Saturdays.\n")
    env = split_layout(text)
    assert env.layout == "jekyll" and "front_matter:meta_lines" in env.rules_fired
    assert env.title == "Council backs the plan to close Harbour Street to cars on weekends"
    assert env.published == dt.datetime(2021, 3, 4, 6, 5, tzinfo=dt.UTC)  # no offset: China time
    assert env.tags == ["transport", "town centre"] and env.authors == ["Ann Lee", "Tom Wu"]
    assert env.url == "https://porthaven.example/harbour"
    assert env.body.strip() == "Harbour Street closes to cars on Saturdays."


def test_key_lines_continue_cjk_without_a_space() -> None:
    data, _ = jekyll._meta_lines("Title: 南湖街道第一家\n  长者食堂开业\nDate: 2019-05-17\n\n正文。")
    assert data["title"] == "南湖街道第一家长者食堂开业"


def test_what_is_not_a_key_lines_header() -> None:
    for text in ("Note: the road is closed.\nDate: 2020-01-01\n\nBody.",  # no title key
                 "Title: only one key\n\nBody.",  # a single key
                 "Title: X\nThe council met on Tuesday: it voted.\n\nBody.",  # a sentence inside
                 "Intro paragraph.\n\nTitle: X\nDate: 2020-01-01\n"):  # not at the start
        assert jekyll._meta_lines(text) is None, text
        assert split_layout(text).layout != "jekyll", text


def test_english_credit_lines() -> None:
    c = parse_credit("Reporting by Jane Doe in London and John Roe in Paris; Editing by Mark Heinrich")
    assert c is not None and c.authors == ["Jane Doe", "John Roe"] and c.editors == ["Mark Heinrich"]
    assert parse_credit("Editor: James Whitfield").editors == ["James Whitfield"]
    assert parse_credit("Editors: Ann Lee, Tom Wu").editors == ["Ann Lee", "Tom Wu"]
    assert parse_credit("Additional reporting by Ann Lee").authors == ["Ann Lee"]
    for prose in ("Editor: the story was updated on Monday", "Reporting by the council shows a rise",
                  "Editing by hand took weeks."):
        assert parse_credit(prose) is None, prose


def test_the_families_pages_keep_their_layouts() -> None:
    """The pages the two families hold are read by the new shapes (their gold is scored in test_families)."""
    for page in (FAMILIES / "feed_item_xml").iterdir():
        assert split_layout(page.read_text("utf-8")).layout == "feed_xml", page
    for page in (FAMILIES / "pelican_metadata").iterdir():
        assert "front_matter:meta_lines" in split_layout(page.read_text("utf-8")).rules_fired, page


WECHAT_LIKE = """<html><head><meta property="og:site_name" content="微信公众平台" />
<meta property="og:url" content="http://mp.weixin.qq.com/s?__biz=AB==&amp;mid=1&amp;idx=1" /></head>
<body><h1 id="activity-name">河边的旧码头</h1>
<span id="profileBt"><a href="javascript:void(0);" id="js_name"> 河边日记 </a></span><em id="publish_time"></em>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
<section>旧码头在河的东岸，已经停用了二十年，今年春天开始修缮，准备改成一座小小的河运博物馆。</section>
<section>修缮队保留了原来的石阶和拴船的铁环，只把塌了的一段护岸重新砌好，秋天就能对外开放。</section>
<p>▲点击上方蓝字关注我们</p><p>分享、点赞、在看，让更多人看到</p></div>
<script>var ct = "1593348803";</script></body></html>"""


def test_a_saved_page_shown_by_script_keeps_its_text_and_names_its_account() -> None:
    """A page whose script reveals the article (saved with ``visibility: hidden``), on a platform whose
    og:site_name is the platform: the text, the account as publisher, the script's epoch, the decoded URL."""
    r = clean_document(WECHAT_LIKE.encode(), "saved/matou.html")
    assert isinstance(r, Record), r
    assert r.text.startswith("旧码头在河的东岸") and r.text.endswith("秋天就能对外开放。")
    assert "关注" not in r.text and "在看" not in r.text
    assert r.publisher == "河边日记"  # not 微信公众平台
    assert r.published_at == dt.datetime(2020, 6, 28, 12, 53, 23, tzinfo=dt.UTC) and r.date_source == "page_date"
    assert r.url == "http://mp.weixin.qq.com/s?__biz=AB==&mid=1&idx=1"


def test_wechat_style_credits_and_source_lines() -> None:
    assert parse_credit("文字 | 林晓雯").authors == ["林晓雯"]
    assert parse_credit("图文｜王五").authors == ["王五"]
    c = parse_credit("作者：赵敏（市第二人民医院宣传科）")  # the unit in brackets is no person
    assert c is not None and c.authors == ["赵敏"]
    assert parse_credit("记者张三（北京）报道").authors == ["张三"]  # a place in brackets was never a unit
    page = WECHAT_LIKE.replace("<section>旧码头", "<p>本文来源：东州日报</p><p>文字 | 林晓雯</p><section>旧码头").replace(
        "<p>▲点击", "<p>编辑 | 周婷</p><p>河边的小事，一号全知道</p><p>▲点击")
    r = clean_document(page.encode(), "saved/matou.html")
    assert r.text.startswith("旧码头在河的东岸") and r.text.endswith("秋天就能对外开放。"), r.text
    assert r.authors == ["林晓雯"] and r.editors == ["周婷"]
    assert r.publisher == "东州日报"  # the source line names the story's outlet over the posting account
