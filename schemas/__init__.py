"""Arrow schemas of the output datasets, with their version.

``SCHEMA_VERSION`` follows an additive policy: a new nullable column bumps the
minor version and old files stay readable (readers fill the column with nulls);
removing, renaming or retyping a column bumps the major version, and a run
refuses to write into a dataset whose major version differs.
"""
from schemas.articles import ARTICLES_SCHEMA, articles_table
from schemas.partitions import PARTITION_COLUMNS, UNDATED_DIR, partition_dir, partition_of
from schemas.rejects import REJECTS_SCHEMA, rejects_table
from schemas.version import SCHEMA_VERSION

__all__ = [
    "ARTICLES_SCHEMA",
    "PARTITION_COLUMNS",
    "REJECTS_SCHEMA",
    "SCHEMA_VERSION",
    "UNDATED_DIR",
    "articles_table",
    "partition_dir",
    "partition_of",
    "rejects_table",
]
