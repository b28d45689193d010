"""The one place the dataset schema version lives.

History (minor versions: old outputs stay readable, and the next run brings them up to date):

- 1.1: a ``rules_version`` column; the state and the dedup index are logs of parts
  (``_state/``, ``_dedup/``) instead of one file each, and the dedup index carries its keys.
- 1.2: partition directories are plain integers so that every reader inferring the
  hive columns gets integers (``schemas.partitions``): undated articles sit in
  ``year=0/month=0`` instead of the Hive default partition (which left pyarrow and
  pandas nothing to infer from when every article was undated), and months are
  ``month=8``, not ``month=08`` (which DuckDB read as text). ``schemas.read`` reads
  ``year=0/month=0`` back as null. The next run (or ``compact``) moves an older
  output's parts where they belong.
"""

SCHEMA_VERSION = "1.2"
# Key under which the version is stored in every Parquet file's metadata.
METADATA_KEY = b"news_etl.schema_version"
