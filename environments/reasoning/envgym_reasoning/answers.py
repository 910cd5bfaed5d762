"""How a reply is read as an answer.

In order: reasoning in ``<think>...</think>`` is dropped; then the text of the last
``<answer>...</answer>`` element, if any; else the rest of the line after the last ``Answer:``
(case-insensitive, ``Final answer:`` too); else the whole reply. The result is stripped. Reading takes time linear in the reply's length.

Example:
    >>> extract_answer("2 + 2 is four.\\nAnswer: 4")
    '4'
    >>> extract_answer("<think>hmm</think><answer> cba </answer>")
    'cba'
    >>> extract_answer("  42 ")
    '42'
"""

from __future__ import annotations

import re

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)  # each match consumes its text: linear
_ANSWER_OPEN = re.compile(r"<answer>", re.I)
_ANSWER_CLOSE = re.compile(r"</answer>", re.I)
_ANSWER_LINE = re.compile(r"answer\s*:", re.I)


def _last_answer_element(text: str) -> str | None:
    """The content of the last ``<answer>...</answer>``, pairing each opening tag with the first
    closing tag after it (as a lazy ``<answer>(.*?)</answer>`` would), in one linear pass. (That
    regex retried every unclosed opening tag to the end of the text: quadratic time.)"""
    closes = [m.start() for m in _ANSWER_CLOSE.finditer(text)]
    last, position, i = None, 0, 0
    while True:
        opening = _ANSWER_OPEN.search(text, position)
        if opening is None:
            return last
        while i < len(closes) and closes[i] < opening.end():
            i += 1
        if i == len(closes):
            return last
        last = text[opening.end() : closes[i]]
        position = closes[i] + len("</answer>")


def extract_answer(reply: str) -> str:
    text = _THINK.sub("", reply or "")
    tagged = _last_answer_element(text)
    if tagged is not None:
        return tagged.strip()
    marks = list(_ANSWER_LINE.finditer(text))
    if marks:
        rest = text[marks[-1].end() :]
        line = rest.strip().splitlines()[0] if rest.strip() else ""
        return line.strip()
    return text.strip()
