"""Parsing and formatting money amounts."""

from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

CENT = Decimal("0.01")
SYMBOLS = "$€£"


class AmountError(ValueError):
    pass


def parse_amount(text):
    """'1,234.50', '$12', '-3.5', '€7.10' -> Decimal rounded to cents."""
    if not isinstance(text, str):
        raise AmountError("amount must be text, not %r" % (text,))
    s = text.strip()
    negative = False
    if s.startswith("-"):
        negative = True
        s = s[1:].strip()
    s = s.lstrip(SYMBOLS).strip()
    s = s.replace(",", "")
    if not s:
        raise AmountError("empty amount: %r" % (text,))
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise AmountError("not an amount: %r" % (text,)) from None
    if negative:
        value = -value
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_amount(value, symbol="$"):
    """Decimal('-1234.5') -> '-$1,234.50'."""
    value = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, cents = ("%.2f" % abs(value)).partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return "%s%s%s.%s" % (sign, symbol, ",".join(groups), cents)
