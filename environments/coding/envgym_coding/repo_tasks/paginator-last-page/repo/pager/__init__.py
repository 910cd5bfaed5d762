"""Pagination for sequences: pages, navigation links, request parameters and a small CLI pager."""

from pager.core import Paginator
from pager.errors import InvalidPageParameter, PageOutOfRange
from pager.links import PageLink, link_items, page_links, render_html
from pager.page import Page
from pager.params import paginate, parse_page_params, with_page

__all__ = ["InvalidPageParameter", "Page", "PageLink", "PageOutOfRange", "Paginator", "link_items", "page_links",
           "paginate", "parse_page_params", "render_html", "with_page"]
