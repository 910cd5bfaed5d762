"""Harbor's ``${VAR}`` / ``${VAR:-default}`` values in ``[environment.env]``, ``[verifier.env]`` and
``[solution.env]``: a value that is exactly one template is read from the environment of the
envgym process; anything else is literal (as in Harbor, ``"a-${X}"`` stays as written).

Templates are resolved when a task directory is loaded from disk, never from a task record a
client sends, so a task cannot make a server hand over its own environment variables.

Example:
    >>> resolve_env({"MODE": "${EG_MODE:-fast}", "LIT": "a-${X}"}, {})
    {'MODE': 'fast', 'LIT': 'a-${X}'}
    >>> resolve_env({"K": "${EG_KEY}"}, {"EG_KEY": "s3cret"})
    {'K': 's3cret'}
"""

from __future__ import annotations

import os
import re
from typing import Mapping

TEMPLATE_RE = re.compile(r"\$\{([^}:]+)(?::-(.*))?\}")


class MissingVariable(ValueError):
    """A ``${VAR}`` without a default whose variable is not set."""

    def __init__(self, key: str, variable: str) -> None:
        super().__init__(
            f'{key} = "${{{variable}}}" needs the environment variable {variable}, which is not set '
            "in the envgym process (set it, or give a default: ${" + variable + ":-value})"
        )
        self.key, self.variable = key, variable


def resolve_env(values: Mapping[str, str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``values`` with every whole-value template replaced; raises ``MissingVariable``."""
    environ = os.environ if environ is None else environ
    out: dict[str, str] = {}
    for key, value in values.items():
        match = TEMPLATE_RE.fullmatch(value)
        if match is None:
            out[key] = value
        elif match.group(1) in environ:
            out[key] = environ[match.group(1)]
        elif match.group(2) is not None:
            out[key] = match.group(2)
        else:
            raise MissingVariable(key, match.group(1))
    return out
