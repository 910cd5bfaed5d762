from pager.core import Page, PageOutOfRange, Paginator
from pager.links import page_links

__all__ = ["Page", "PageOutOfRange", "Paginator", "page_links"]
