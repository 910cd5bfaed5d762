"""Reading bank exports (CSV) into transactions."""

from datetime import datetime

from ledgerlite.amounts import parse_amount


class ImportError_(ValueError):
    pass


def parse_date(text):
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ImportError_("unrecognised date %r" % (text,))


def read_csv(text, account, counter_account="expenses:unsorted"):
    """Rows `date,description,amount` (with a header line) -> list of (date, description, postings)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [h.strip().lower() for h in lines[0].split(",")]
    if header != ["date", "description", "amount"]:
        raise ImportError_("expected the header date,description,amount, got %r" % (lines[0],))
    out = []
    for n, line in enumerate(lines[1:], 2):
        fields = line.split(",")
        if len(fields) != 3:
            raise ImportError_("line %d: expected 3 fields, got %d" % (n, len(fields)))
        when, description, amount = fields
        value = parse_amount(amount)
        out.append((parse_date(when), description.strip(), [(account, value), (counter_account, -value)]))
    return out
