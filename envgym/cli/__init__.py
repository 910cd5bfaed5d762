"""The ``envgym`` command line. Each command lives in its own module under ``envgym.cli`` and
registers itself on ``app``; this module only assembles them.

Example:
    $ envgym list
"""

from __future__ import annotations

import importlib

from envgym.cli.app import app

# One module per command (or command group). A module that is missing is a packaging bug, not a
# reason to hide the other commands, so import errors are not swallowed here.
COMMAND_MODULES = [
    "envgym.cli.list_cmd",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def main() -> None:
    app()
