import io

import pytest

from pager import InvalidPageParameter, PageOutOfRange, Paginator, page_links, parse_page_params, render_html, with_page
from pager.cli import main


def test_pages():
    p = Paginator(list(range(25)), 10)
    assert p.total_pages == 3
    assert list(p.page(3).items) == [20, 21, 22, 23, 24]
    assert p.page(1).has_next and not p.page(1).has_previous


def test_empty():
    assert Paginator([], 5).total_pages == 1
    assert list(Paginator([], 5).page(1).items) == []


def test_out_of_range():
    with pytest.raises(PageOutOfRange):
        Paginator([1, 2], 5).page(0)


def test_page_summary_and_neighbours():
    page = Paginator(list(range(45)), 10).page(2)
    assert page.summary() == "Showing 11-20 of 45 items"
    assert (page.previous_number, page.next_number) == (1, 3)
    assert Paginator([], 10).page(1).summary() == "No items"


def test_page_of():
    p = Paginator(list(range(25)), 10)
    assert [p.page_of(0), p.page_of(10), p.page_of(24), p.page_of(-1)] == [1, 2, 3, 3]
    with pytest.raises(IndexError):
        p.page_of(25)


def test_links():
    assert page_links(Paginator(list(range(95)), 10), 5) == ["1", "...", "3", "4", "[5]", "6", "7", "...", "10"]
    html = render_html(Paginator(list(range(25)), 10), 2)
    assert 'rel="prev" href="?page=1"' in html and 'rel="next" href="?page=3"' in html
    assert '<span class="current" aria-current="page">2</span>' in html


def test_request_parameters():
    assert parse_page_params("page=3&per_page=500") == (3, 100)
    assert parse_page_params("") == (1, 20)
    assert parse_page_params({"page": "2"}, default_per_page=5) == (2, 5)
    for bad in ("page=0", "page=abc", "per_page=-3"):
        with pytest.raises(InvalidPageParameter):
            parse_page_params(bad)


def test_with_page_keeps_other_parameters():
    assert with_page("/items?q=red&page=2", 3) == "/items?q=red&page=3"
    assert with_page("/items", 1, per_page=50) == "/items?page=1&per_page=50"


def test_cli_shows_a_page_and_footer():
    out = io.StringIO()
    lines = "".join(f"line {i}\n" for i in range(1, 26))
    assert main(["-n", "10", "-p", "3"], stdin=io.StringIO(lines), stdout=out) == 0
    assert out.getvalue().splitlines() == ["line 21", "line 22", "line 23", "line 24", "line 25",
                                           "-- page 3/3 (Showing 21-25 of 25 lines) -- 1 2 [3]"]
