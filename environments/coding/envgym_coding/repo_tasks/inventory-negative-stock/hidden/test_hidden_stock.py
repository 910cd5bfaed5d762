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


def test_exact_amount_allowed(project):
    assert project.run(SETUP + "l.ship('apple', 'north', 5)\nresult = l.level('apple', 'north')") == 0


def test_unknown_sku(project):
    err = project.error(SETUP + "l.ship('pear', 'north', 1)")
    assert err is not None and "InsufficientStock" in err.mro and "LedgerError" in err.mro
