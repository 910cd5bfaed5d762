def test_exact_multiple(project):
    got = project.run("from pager import Paginator\np = Paginator(list(range(20)), 10)\nresult = [p.total_pages, p.page(2).has_next, list(p.page(2).items)[-1]]")
    assert got == [2, False, 19]


def test_beyond_last(project):
    err = project.error("from pager import Paginator\nPaginator(list(range(20)), 10).page(3)")
    assert err is not None and "PageOutOfRange" in err.mro


def test_counts(project):
    got = project.run("from pager import Paginator\nresult = [Paginator(list(range(n)), 5).total_pages for n in (0, 1, 4, 5, 6, 10, 11)]")
    assert got == [1, 1, 1, 1, 2, 2, 3]


def test_links(project):
    got = project.run("from pager import Paginator, page_links\nresult = [page_links(Paginator(list(range(90)), 10), 5), page_links(Paginator(list(range(30)), 10), 3)]")
    assert got == [["1", "...", "3", "4", "[5]", "6", "7", "...", "9"], ["1", "2", "[3]"]]
