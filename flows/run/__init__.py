"""One run: the plan against the live state, batches, the worker pool, duplicate links, task runners."""
