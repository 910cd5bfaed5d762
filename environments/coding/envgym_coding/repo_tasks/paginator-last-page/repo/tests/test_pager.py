import pytest

from pager import PageOutOfRange, Paginator


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
