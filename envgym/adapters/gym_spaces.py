"""Unicode text spaces for the Gymnasium adapter.

Gymnasium's ``Text`` space defaults to an alphanumeric charset, which rejects nearly everything a
language model reads or writes (spaces, punctuation, newlines, accents, CJK, emoji). ``unicode_text``
builds a ``Text`` whose charset is every assigned letter, mark, number, punctuation, symbol,
separator and format character of Unicode planes 0 and 1 (the Basic Multilingual Plane and the
Supplementary Multilingual Plane, where emoji live) plus tab, newline and carriage return.
Characters outside it (other control characters such as ANSI escapes, private-use code points,
the rare CJK extension planes) are replaced by U+FFFD by ``fit_text`` so an observation is always
inside its space.

The charset holds ~78,000 characters and takes a fraction of a second to build, so it is built
once per process and every space is a shallow copy of a cached prototype (they share the charset
tables; each copy has its own random generator).

Example:
    >>> space = unicode_text(100)
    >>> space.contains("naïve café — 東京 😀\\n")
    True
    >>> fit_text("a\\x1bb", 100)
    'a\\ufffdb'
"""

from __future__ import annotations

import copy
import functools
import unicodedata

from gymnasium.spaces import Text

REPLACEMENT = "\ufffd"
_KEPT_CATEGORY_CLASSES = frozenset("LMNPSZ")  # letters, marks, numbers, punctuation, symbols, separators
_KEPT_CONTROLS = frozenset("\t\n\r")
_PLANES_END = 0x20000  # planes 0 and 1


@functools.lru_cache(maxsize=1)
def model_charset() -> frozenset[str]:
    """The characters an envgym text space accepts (built once per process)."""
    chars = set(_KEPT_CONTROLS)
    for code in range(_PLANES_END):
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat[0] in _KEPT_CATEGORY_CLASSES or cat == "Cf":
            chars.add(ch)
    return frozenset(chars)


@functools.lru_cache(maxsize=8)
def _prototype(max_length: int) -> Text:
    return Text(max_length, min_length=0, charset=model_charset())


def unicode_text(max_length: int, seed: int | None = None) -> Text:
    """A ``Text`` space (lengths 0..max_length) over ``model_charset()``."""
    space = copy.copy(_prototype(max_length))
    space.seed(seed)
    return space


def fit_text(text: str, max_length: int, *, marker: str = "\n[... truncated {n} characters]") -> str:
    """Make ``text`` a member of ``unicode_text(max_length)``: replace characters outside the
    charset by U+FFFD and cut what exceeds ``max_length``, ending with a marker saying how much."""
    charset = model_charset()
    if not (text.isascii() and text.isprintable()):
        text = "".join(ch if ch in charset else REPLACEMENT for ch in text)
    if len(text) > max_length:
        # The marker's own length decides how much is cut, which changes the count it reports;
        # a couple of rounds settle it.
        keep = max_length
        for _ in range(3):
            tail = marker.format(n=len(text) - keep)[:max_length]
            keep = max_length - len(tail)
        text = text[:keep] + marker.format(n=len(text) - keep)[: max_length - keep]
    return text
