from mdtoc.headings import Heading, anchor_for, headings
from mdtoc.toc import insert_toc, render_toc

__all__ = ["Heading", "anchor_for", "headings", "insert_toc", "render_toc"]
