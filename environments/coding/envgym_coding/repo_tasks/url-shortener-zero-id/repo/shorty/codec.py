"""Base62 codes for non-negative integer ids (digits, then a-z, then A-Z), as shown in short URLs."""

from __future__ import annotations

import string

ALPHABET = string.digits + string.ascii_lowercase + string.ascii_uppercase
BASE = len(ALPHABET)


def encode(number: int) -> str:
    if number < 0:
        raise ValueError("ids are not negative")
    chars = []
    while number:
        number, digit = divmod(number, BASE)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def decode(code: str) -> int:
    number = 0
    for char in code:
        number = number * BASE + max(ALPHABET.find(char), 0)
    return number
