"""Answers that score 0 before any judge is asked.

A judge model can be talked into points by an answer that says nothing, and every judge call on
such an answer is wasted money, so these are caught first. An answer is *degenerate* when, after
stripping whitespace, it is:

* ``too_long`` — more characters than the rubric's ``max_answer_chars`` (20,000 by default), checked
  first, so no check, regex or judge ever sees an unbounded answer;
* ``empty`` — nothing, or whitespace only;
* ``no_content`` — not a single letter or digit (a lone ``:``, ``...``, a bare code fence);
* ``dangling_label`` — at most four words ending in a colon, i.e. a heading with no body
  (``Thought process:``, ``Final answer:``, ``Answer:``);
* ``repetition`` — one unit of 1–40 characters repeated three or more times and nothing else
  (``ok ok ok``, ``hahaha``, ``.\\n.\\n.``), or eight or more words drawn from at most two distinct
  words, or twenty or more words of which fewer than 15% are distinct.

Anything else goes to the rubric's criteria. The detector is deliberately narrow: a short but
real answer ("Paris.") is not degenerate.

Example:
    >>> degenerate_reason("Thought process:")
    'dangling_label'
    >>> degenerate_reason("Paris.") is None
    True
    >>> degenerate_reason("word " * 10, max_chars=20)
    'too_long'

"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_REPEATED_UNIT = re.compile(r"^(.{1,40}?)(?:\s*\1){2,}$", re.DOTALL)


def degenerate_reason(answer: str | None, max_chars: int | None = None) -> str | None:
    """Why ``answer`` is degenerate (``too_long``, ``empty``, ``no_content``, ``dangling_label``,
    ``repetition``), or None."""
    if max_chars is not None and len(answer or "") > max_chars:
        return "too_long"
    text = (answer or "").strip()
    if not text:
        return "empty"
    if not any(ch.isalnum() for ch in text):
        return "no_content"
    words = [w.lower() for w in _WORD.findall(text)]
    if text.endswith(":") and len(words) <= 4 and "\n" not in text.rstrip(":"):
        return "dangling_label"
    collapsed = re.sub(r"\s+", " ", text)
    if _REPEATED_UNIT.match(collapsed):
        return "repetition"
    distinct = len(set(words))
    if len(words) >= 8 and distinct <= 2:
        return "repetition"
    if len(words) >= 20 and distinct < 0.15 * len(words):
        return "repetition"
    return None
