"""Saving the ledger as a journal file (one JSON movement per line) and reading it back."""

from __future__ import annotations

import json
import os
import tempfile

from stockroom.ledger import Ledger
from stockroom.models import LedgerError, Movement


def dumps(ledger: Ledger) -> str:
    return "".join(json.dumps(m.as_dict(), sort_keys=True) + "\n" for m in ledger.movements)


def loads(text: str) -> Ledger:
    movements = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            movements.append(Movement(str(data["sku"]), str(data["warehouse"]), int(data["quantity"]),
                                      str(data.get("reference", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            raise LedgerError(f"journal line {number}: {exc}") from None
    return Ledger.from_movements(movements)


def load(path: str) -> Ledger:
    """The ledger saved at ``path``; a missing file is an empty ledger (the first run)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return loads(fh.read())
    except FileNotFoundError:
        return Ledger()


def save(ledger: Ledger, path: str) -> None:
    # Write a sibling file and rename it over the journal, so a crash never leaves half a journal behind.
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".journal-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(ledger))
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
