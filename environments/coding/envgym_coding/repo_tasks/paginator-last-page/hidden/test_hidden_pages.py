def test_exact_multiple(project):
    got = project.run("from pager import Paginator\np = Paginator(list(range(20)), 10)\nresult = [p.total_pages, p.page(2).has_next, list(p.page(2).items)[-1]]")
    assert got == [2, False, 19]


def test_beyond_last(project):
    err = project.error("from pager import Paginator\nPaginator(list(range(20)), 10).page(3)")
    assert err is not None and "PageOutOfRange" in err.mro


def test_counts(project):
    got = project.run("from pager import Paginator\nresult = [Paginator(list(range(n)), 5).total_pages for n in (0, 1, 4, 5, 6, 10, 11)]")
    assert got == [1, 1, 1, 1, 2, 2, 3]
    assert project.run("from pager import Paginator\nresult = [Paginator(list(range(n)), 1).total_pages for n in (0, 1, 3)]") == [1, 1, 3]


def test_links(project):
    got = project.run("from pager import Paginator, page_links\nresult = [page_links(Paginator(list(range(90)), 10), 5), page_links(Paginator(list(range(30)), 10), 3)]")
    assert got == [["1", "...", "3", "4", "[5]", "6", "7", "...", "9"], ["1", "2", "[3]"]]


def test_iteration_and_last_page(project):
    got = project.run("""
from pager import Paginator
p = Paginator(list(range(30)), 10)
last = p.last()
result = [[list(page.items) for page in p.pages()][-1][0], len(list(p.pages())), list(p.page_range), last.number,
          last.next_number, last.summary(), p.get_page("99").number]
""")
    assert got == [20, 3, [1, 2, 3], 3, None, "Showing 21-30 of 30 items", 3]


def test_request_for_the_last_page(project):
    got = project.run("""
from pager import paginate
page = paginate(list(range(40)), "page=4&per_page=10")
result = [list(page.items)[0], list(page.items)[-1], page.has_next, page.total_pages]
""")
    assert got == [30, 39, False, 4]
    err = project.error("from pager import paginate\npaginate(list(range(40)), 'page=5&per_page=10')")
    assert err is not None and "PageOutOfRange" in err.mro


def test_html_navigation_on_the_last_page(project):
    got = project.run("""
from pager import Paginator, render_html
html = render_html(Paginator(list(range(20)), 10), 2)
result = ['rel="next"' in html, 'rel="prev"' in html, '?page=3' in html]
""")
    assert got == [False, True, False]


def test_cli_count_and_footer(project):
    got = project.run("""
import io
from pager.cli import main
text = "".join("line %d\\n" % i for i in range(1, 21))
count, page, beyond, err = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
codes = [main(["--count", "-n", "5"], stdin=io.StringIO(text), stdout=count),
         main(["-n", "5", "-p", "4"], stdin=io.StringIO(text), stdout=page),
         main(["-n", "5", "-p", "5"], stdin=io.StringIO(text), stdout=beyond, stderr=err)]
result = [codes, count.getvalue(), page.getvalue().splitlines()[-1], beyond.getvalue()]
""")
    assert got == [[0, 0, 1], "4\n", "-- page 4/4 (Showing 16-20 of 20 lines) -- 1 2 3 [4]", ""]
