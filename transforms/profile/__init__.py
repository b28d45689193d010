"""``news-etl profile``: what a corpus says about its sites, and a draft site table.

Pure functions over what :func:`transforms.pipeline.clean_document` produced for
each page (no I/O, no Prefect): :mod:`.pages` reduces a cleaned record to the
facts the profiler needs, :mod:`.shapes` generalises text into patterns,
:mod:`.stats` learns each site's recurring blocks, shapes, names and URL dates
from the corpus itself, and :mod:`.draft` renders a site table and a
before/after sample. No outlet is named here: everything is learned.
"""
from transforms.profile.draft import render_sample, render_table, table_data
from transforms.profile.pages import Page, page_from_record
from transforms.profile.stats import SiteProfile, group_of, profile_site, registrable_domain

__all__ = ["Page", "SiteProfile", "group_of", "page_from_record", "profile_site", "registrable_domain",
           "render_sample", "render_table", "table_data"]
