"""Reading ``page``/``per_page`` from a request's query string and building page URLs."""

from __future__ import annotations

from typing import Mapping, Sequence, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pager.core import Paginator
from pager.errors import InvalidPageParameter
from pager.page import Page

T = TypeVar("T")


def _positive(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not text.isdigit() or int(text) < 1:
        raise InvalidPageParameter(name, raw)
    return int(text)


def parse_page_params(query: str | Mapping[str, str], default_per_page: int = 20,
                      max_per_page: int = 100) -> tuple[int, int]:
    """``(page, per_page)`` from ``"page=2&per_page=50"`` or a mapping; ``per_page`` is clamped to ``max_per_page``.

    A missing or empty parameter takes its default (page 1); anything else that is not a positive
    integer raises ``InvalidPageParameter`` so that the handler can answer 400.
    """
    if default_per_page < 1 or max_per_page < default_per_page:
        raise ValueError("need 1 <= default_per_page <= max_per_page")
    params = dict(parse_qsl(query, keep_blank_values=True)) if isinstance(query, str) else dict(query)
    page = _positive("page", params.get("page"), 1)
    per_page = _positive("per_page", params.get("per_page"), default_per_page)
    return page, min(per_page, max_per_page)


def paginate(items: Sequence[T], query: str | Mapping[str, str], default_per_page: int = 20,
             max_per_page: int = 100) -> Page[T]:
    """The page a request asks for; a page past the end raises ``PageOutOfRange`` (answer 404)."""
    number, per_page = parse_page_params(query, default_per_page, max_per_page)
    return Paginator(items, per_page).page(number)


def with_page(url: str, number: int, per_page: int | None = None) -> str:
    """``url`` with its ``page`` (and optionally ``per_page``) parameter replaced; other parameters are kept."""
    parts = urlsplit(url)
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if k != "page" and (per_page is None or k != "per_page")]
    params.append(("page", str(number)))
    if per_page is not None:
        params.append(("per_page", str(per_page)))
    return urlunsplit(parts._replace(query=urlencode(params)))
