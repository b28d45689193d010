"""The ``articles`` dataset: one row per clean article.

Files are hive-partitioned by ``year=YYYY/month=M`` (``year=2020/month=8``) of ``published_at`` (UTC);
undated articles sit in ``year=0/month=0`` (:mod:`schemas.partitions`: the one
rule, and why not the Hive default partition). The partition columns are in the
directory names only, never inside the files.
"""
from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from schemas.version import METADATA_KEY, SCHEMA_VERSION
from transforms.records import Record

_STRINGS = pa.list_(pa.string())
IMAGE_TYPE = pa.struct([pa.field("url", pa.string(), nullable=False), pa.field("caption", pa.string())])

# (field, description) pairs: the data contract, rendered into the README.
COLUMNS: tuple[tuple[pa.Field, str], ...] = (
    (pa.field("doc_id", pa.string(), nullable=False), "stable id: sha256 of the source path (first 32 hex digits)"),
    (pa.field("source_path", pa.string(), nullable=False), "path relative to the input root, forward slashes"),
    (pa.field("content_sha256", pa.string(), nullable=False), "sha256 of the raw bytes"),
    (pa.field("size_bytes", pa.int64(), nullable=False), "size of the raw file"),
    (pa.field("layout", pa.string(), nullable=False),
     "raw layout: jekyll (front matter or Pelican-style key lines), feed, feed_xml (an RSS item or Atom entry), "
     "json (one record of a scraper), mirror, html, text"),
    (pa.field("site", pa.string()), "site rule that applied (transforms/sites/*.toml key)"),
    (pa.field("title", pa.string()), "headline as published, whitespace-normalised"),
    (pa.field("published_at", pa.timestamp("us", tz="UTC")), "publication time in UTC"),
    (pa.field("date_source", pa.string()),
     "front_matter, epoch_comment, header_date, feed_entry, json_record, page_date, meta, time_element, dateline or url"),
    (pa.field("publisher", pa.string()), "canonical outlet name"),
    (pa.field("url", pa.string()), "original article URL"),
    (pa.field("authors", _STRINGS, nullable=False), "authors from bylines, credits and column titles"),
    (pa.field("editors", _STRINGS, nullable=False), "editors from credit lines"),
    (pa.field("categories", _STRINGS, nullable=False), "categories as the source gives them"),
    (pa.field("tags", _STRINGS, nullable=False), "tags as the source gives them"),
    (pa.field("tickers", _STRINGS, nullable=False), "stock codes named by stock widgets, e.g. 601169.SH"),
    (pa.field("images", pa.list_(IMAGE_TYPE), nullable=False), "article images with captions"),
    (pa.field("text", pa.string(), nullable=False), "clean body text, blocks separated by a blank line"),
    (pa.field("text_chars", pa.int32(), nullable=False), "length of text in characters"),
    (pa.field("encoding", pa.string()), "encoding the raw bytes were decoded from"),
    (pa.field("rules_fired", _STRINGS, nullable=False), "cleaning rules that changed this record (provenance)"),
    (pa.field("quality_flags", _STRINGS, nullable=False),
     "empty_text, short_text, no_date, date_out_of_range, no_title, no_url, no_publisher, mostly_non_cjk, "
     "fallback_extractor, publisher_from_domain"),
    (pa.field("language", pa.string()), "zh-Hans, zh-Hant, en, ja, ko or und (by script)"),
    (pa.field("duplicate_of", pa.string()),
     "doc_id of the canonical record this one duplicates (exact or near); null on canonical records"),
    (pa.field("run_id", pa.string(), nullable=False), "the run that wrote this row"),
    (pa.field("rules_version", pa.string()),
     "fingerprint of the cleaning code and site tables that made this row (news-etl inspect prints it)"),
    (pa.field("schema_version", pa.string(), nullable=False), "version of this schema"),
)
ARTICLES_SCHEMA = pa.schema([f for f, _ in COLUMNS], metadata={METADATA_KEY: SCHEMA_VERSION.encode()})


def articles_table(records: Iterable[Record], run_id: str, rules_version: str | None = None) -> pa.Table:
    rows = [
        {
            "doc_id": r.doc_id,
            "source_path": r.source_path,
            "content_sha256": r.content_sha256,
            "size_bytes": r.size_bytes,
            "layout": r.layout,
            "site": r.site,
            "title": r.title,
            "published_at": r.published_at,
            "date_source": r.date_source,
            "publisher": r.publisher,
            "url": r.url,
            "authors": r.authors,
            "editors": r.editors,
            "categories": r.categories,
            "tags": r.tags,
            "tickers": r.tickers,
            "images": [{"url": i.url, "caption": i.caption} for i in r.images],
            "text": r.text,
            "text_chars": r.text_chars,
            "encoding": r.encoding,
            "rules_fired": r.rules_fired,
            "quality_flags": r.quality_flags,
            "language": r.language,
            "duplicate_of": r.duplicate_of,
            "run_id": run_id,
            "rules_version": rules_version,
            "schema_version": SCHEMA_VERSION,
        }
        for r in records
    ]
    return pa.Table.from_pylist(rows, schema=ARTICLES_SCHEMA)
