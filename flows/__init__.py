"""Prefect flows, tasks, the CLI and deployments. Thin: the work is in ``transforms``."""
