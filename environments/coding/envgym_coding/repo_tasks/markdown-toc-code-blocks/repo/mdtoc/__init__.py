"""Tables of contents for Markdown documents, with GitHub-style anchors, and a checker for anchor links."""

from mdtoc.headings import Heading, headings
from mdtoc.links import AnchorLink, anchor_links, broken_links
from mdtoc.text import anchor_for, plain_text
from mdtoc.toc import insert_toc, render_toc, toc_entries, toc_is_current

__all__ = ["AnchorLink", "Heading", "anchor_for", "anchor_links", "broken_links", "headings", "insert_toc",
           "plain_text", "render_toc", "toc_entries", "toc_is_current"]
