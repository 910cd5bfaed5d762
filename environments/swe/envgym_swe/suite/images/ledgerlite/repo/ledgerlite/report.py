"""Text reports."""

from ledgerlite.amounts import format_amount


def balance_report(ledger, accounts=None, symbol="$"):
    """One line per account: name padded, then the formatted balance; a total line at the end."""
    names = accounts if accounts is not None else ledger.accounts()
    width = max([len(n) for n in names] + [5])
    lines, total = [], 0
    for name in names:
        bal = ledger.balance(name)
        total += bal
        lines.append("%s  %s" % (name.ljust(width), format_amount(bal, symbol).rjust(14)))
    lines.append("%s  %s" % ("total".ljust(width), format_amount(total, symbol).rjust(14)))
    return "\n".join(lines)
