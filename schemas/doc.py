"""Render the data contract as Markdown: ``python -m schemas.doc``.

The README's schema tables are this output; a test keeps them in sync.
"""
from __future__ import annotations

import pyarrow as pa

from schemas import articles, rejects
from schemas.version import SCHEMA_VERSION


def _table(columns: tuple[tuple[pa.Field, str], ...]) -> str:
    lines = ["| column | type | nullable | meaning |", "|---|---|---|---|"]
    for f, doc in columns:
        lines.append(f"| `{f.name}` | `{f.type}` | {'yes' if f.nullable else 'no'} | {doc} |")
    return "\n".join(lines)


def render() -> str:
    return (f"Schema version **{SCHEMA_VERSION}** (in every file's metadata under `news_etl.schema_version`, "
            "and in the `schema_version` column).\n\n"
            "`articles` (partitioned by `year=YYYY/month=M` of `published_at` in UTC; undated articles in "
            "`year=0/month=0`, which plain readers see as 0 and `schemas.read` as null):\n\n"
            f"{_table(articles.COLUMNS)}\n\n`rejects`:\n\n{_table(rejects.COLUMNS)}\n")


if __name__ == "__main__":
    print(render(), end="")
