"""The output store: the interface both backends import, the Parquet and Delta backends,
and the factory that picks one (``flows.store.open``)."""
