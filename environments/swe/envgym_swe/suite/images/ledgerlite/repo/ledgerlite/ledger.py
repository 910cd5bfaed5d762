"""Transactions, postings and account balances."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Decimal


@dataclass
class Transaction:
    when: date
    description: str
    postings: list = field(default_factory=list)

    def total(self):
        return sum((p.amount for p in self.postings), Decimal("0"))

    def check(self):
        if len(self.postings) < 2:
            raise LedgerError("a transaction needs at least two postings: %s" % self.description)
        if self.total() != 0:
            raise LedgerError("transaction %r does not balance (off by %s)" % (self.description, self.total()))


def valid_account(name):
    parts = name.split(":")
    return all(p and p == p.strip() for p in parts)


class Ledger:
    def __init__(self):
        self.transactions = []

    def post(self, when, description, *postings):
        """Add a balanced transaction; postings are (account, amount) pairs."""
        for account, _ in postings:
            if not valid_account(account):
                raise LedgerError("bad account name %r" % (account,))
        txn = Transaction(when, description, [Posting(a, Decimal(v)) for a, v in postings])
        txn.check()
        self.transactions.append(txn)
        return txn

    def accounts(self):
        return sorted({p.account for t in self.transactions for p in t.postings})

    def balance(self, account, until=None):
        """The balance of `account` and all its subaccounts (assets:bank covers assets:bank:checking)."""
        total = Decimal("0")
        for txn in self.transactions:
            if until is not None and txn.when > until:
                continue
            for p in txn.postings:
                if p.account.startswith(account):
                    total += p.amount
        return total

    def register(self, account):
        """(date, description, amount, running balance) rows for one account, in date order."""
        rows, running = [], Decimal("0")
        for txn in sorted(self.transactions, key=lambda t: t.when):
            for p in txn.postings:
                if p.account == account:
                    running += p.amount
                    rows.append((txn.when, txn.description, p.amount, running))
        return rows
