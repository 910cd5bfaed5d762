SETUP = "from stockroom import Ledger, InsufficientStock\nl = Ledger()\nl.receive('apple', 'north', 5)\n"


def test_overship_raises(project):
    got = project.run(SETUP + """
try:
    l.ship("apple", "north", 6)
    outcome = None
except InsufficientStock as exc:
    outcome = [exc.available, exc.requested]
result = [outcome, l.level("apple", "north"), len(l.movements)]
""")
    assert got == [[5, 6], 5, 1]


def test_level_is_per_warehouse(project):
    got = project.run(SETUP + """
l.receive("apple", "south", 100)
try:
    l.ship("apple", "north", 7)
    outcome = None
except InsufficientStock as exc:
    outcome = exc.available
result = [outcome, l.levels_of("apple"), len(l.movements)]
""")
    assert got == [5, {"north": 5, "south": 100}, 2]


def test_transfer_atomic(project):
    got = project.run(SETUP + """
try:
    l.transfer("apple", "north", "south", 9)
    raised = False
except InsufficientStock:
    raised = True
result = [raised, l.level("apple", "north"), l.level("apple", "south"), len(l.movements)]
""")
    assert got == [True, 5, 0, 1]


def test_exact_amount_allowed_then_nothing_left(project):
    got = project.run(SETUP + """
l.ship('apple', 'north', 2)
l.transfer('apple', 'north', 'south', 3)
levels = [l.level('apple', 'north'), l.level('apple', 'south')]
try:
    l.ship('apple', 'north', 1)
    available = None
except InsufficientStock as exc:
    available = exc.available
l.ship('apple', 'south', 3)
result = levels + [available, l.level('apple', 'south'), len(l.movements)]
""")
    assert got == [0, 3, 0, 0, 5]


def test_counted_stock_limits_shipments(project):
    got = project.run(SETUP + """
l.adjust('apple', 'north', 2, 'recount')
try:
    l.ship('apple', 'north', 3)
    available = None
except InsufficientStock as exc:
    available = exc.available
result = [available, l.level('apple', 'north')]
""")
    assert got == [2, 2]


def test_unknown_sku(project):
    err = project.error(SETUP + "l.ship('pear', 'north', 1)")
    assert err is not None and "InsufficientStock" in err.mro and "LedgerError" in err.mro
    got = project.run(SETUP + """
try:
    l.ship('pear', 'north', 1)
except InsufficientStock as exc:
    result = [exc.available, exc.requested, exc.sku, exc.warehouse]
""")
    assert got == [0, 1, "pear", "north"]


def test_cli_refuses_and_keeps_journal(project):
    got = project.run("""
import contextlib, io, os
from stockroom.cli import main
path = "/tmp/stock-hidden.jsonl"
if os.path.exists(path):
    os.remove(path)
codes = [main(["--journal", path, "receive", "apple", "north", "5"])]
before = open(path).read()
with contextlib.redirect_stderr(io.StringIO()) as err:
    codes.append(main(["--journal", path, "ship", "apple", "north", "6"]))
    codes.append(main(["--journal", path, "transfer", "apple", "north", "south", "8"]))
out = io.StringIO()
main(["--journal", path, "levels"], out=out)
result = [codes, open(path).read() == before, "error" in err.getvalue(), out.getvalue().split()[-3:]]
""")
    assert got == [[0, 1, 1], True, True, ["apple", "north", "5"]]
