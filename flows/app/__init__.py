"""The Prefect surface: the flow, the CLI, serving and deployments, reports, artifacts and charts."""
