"""The one place the dataset schema version lives."""

SCHEMA_VERSION = "1.1"
# Key under which the version is stored in every Parquet file's metadata.
METADATA_KEY = b"news_etl.schema_version"
