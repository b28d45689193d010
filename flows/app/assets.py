"""The two datasets as Prefect assets, so every run emits lineage events.

Publishing a version (the one step that changes what readers see) runs as a
``prefect.assets.materialize`` task whose assets are ``articles`` and
``rejects`` under the output, with the input folder as its upstream asset.
Each run therefore emits ``prefect.asset.referenced`` for the input and
``prefect.asset.materialization.succeeded`` (or ``.failed``) for both datasets,
with the row counts as event payload.

Asset keys are URIs: ``file:///abs/output/articles`` for a local output,
``s3://bucket/prefix/articles`` for a URL. Characters Prefect forbids in keys
(spaces, ``%``, ``#``, ``?`` and a few more) are replaced by ``_``.
"""
from __future__ import annotations

import hashlib
import os
import re

from prefect.assets import Asset, AssetProperties, add_asset_metadata, materialize
from prefect.cache_policies import NO_CACHE

from flows.store.interface import Store

DATASETS = {
    "articles": "Clean news articles, one row per document (Hive-partitioned Parquet, year=/month=).",
    "rejects": "Inputs that are not articles, with a machine-readable reason (Parquet).",
}
_FORBIDDEN = re.compile(r"[\s\0#?&%\"'<>\[\]{}|\\^`]")
_MAX_KEY = 512


def location(url: str) -> str:
    """A URI for a path or fsspec URL: local paths become absolute ``file://`` URIs."""
    if "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme.lower()}://{rest.rstrip('/')}"
    return "file://" + os.path.abspath(url).replace(os.sep, "/").rstrip("/")


def asset_key(url: str, name: str | None = None) -> str:
    key = _FORBIDDEN.sub("_", location(url) + (f"/{name}" if name else ""))
    if len(key) > _MAX_KEY:  # keep the scheme and the end, which name the dataset
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        scheme, rest = key.split("://", 1)
        key = f"{scheme}://{digest}/..{rest[-(_MAX_KEY - len(scheme) - 24):]}"
    return key


def dataset_assets(output_url: str) -> list[Asset]:
    return [
        Asset(key=asset_key(output_url, name),
              properties=AssetProperties(name=name, description=f"{desc} Under {location(output_url)}."))
        for name, desc in DATASETS.items()
    ]


def input_asset(input_url: str) -> Asset:
    return Asset(key=asset_key(input_url),
                 properties=AssetProperties(name="raw news files", description=f"Raw input files under {location(input_url)}."))


@materialize("file:///news-etl/placeholder", name="publish-datasets", task_run_name="publish-{run_id}", by="news-etl",
             cache_policy=NO_CACHE)
def _publish(store: Store, run_id: str, rows: dict[str, dict[str, int | str]]) -> None:
    store.publish(run_id)
    for name, meta in rows.items():
        add_asset_metadata(asset_key(store.url, name), meta)


def publish(store: Store, run_id: str, input_url: str, counts) -> None:
    """Make the staged version live as a materialization of both datasets.

    ``counts`` is the :class:`~flows.store.changes.VersionCounts` of the run.
    """
    rows = {
        "articles": {"run_id": run_id, "rows": counts.articles_total, "new": counts.new, "changed": counts.changed,
                     "removed": counts.removed, "duplicates": counts.duplicates_total},
        "rejects": {"run_id": run_id, "rows": counts.rejects_total},
    }
    task = _publish.with_options(assets=dataset_assets(store.url), asset_deps=[input_asset(input_url)])
    task(store, run_id, rows)
