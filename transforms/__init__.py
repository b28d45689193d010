"""Pure transforms: raw bytes to clean article records. No Prefect, no I/O.

The single entry point is :func:`transforms.pipeline.clean_document`.
"""
