"""How a reply is read as an answer.

In order: reasoning in ``<think>...</think>`` is dropped; then the text of the last
``<answer>...</answer>`` element, if any; else the rest of the line after the last ``Answer:``
(case-insensitive, ``Final answer:`` too); else the whole reply. The result is stripped.

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

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_ANSWER_LINE = re.compile(r"answer\s*:", re.I)


def extract_answer(reply: str) -> str:
    text = _THINK.sub("", reply or "")
    tags = _ANSWER_TAG.findall(text)
    if tags:
        return tags[-1].strip()
    marks = list(_ANSWER_LINE.finditer(text))
    if marks:
        rest = text[marks[-1].end():]
        line = rest.strip().splitlines()[0] if rest.strip() else ""
        return line.strip()
    return text.strip()
