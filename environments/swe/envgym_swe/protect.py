"""Which of the agent's changed paths are reverted before the tests run (docs/architecture.md §7: nothing the
agent planted on the test path).

* every file ``test_patch`` touches (SWE-bench's own rule: the tests are the instance's, not the agent's);
* test-runner configuration anywhere in the repository: ``conftest.py``, ``pytest.ini``,
  ``.pytest.ini``, ``tox.ini``, ``setup.cfg``, ``pyproject.toml``, ``sitecustomize.py``,
  ``usercustomize.py``, ``*.pth`` — a hook or option there changes how every test is collected,
  run or reported;
* new modules that shadow the test runner on ``sys.path``: ``pytest.py``, ``py.py``,
  ``unittest.py``, and packages ``_pytest/``, ``pluggy/``, ``pytest/``, ``unittest/``;
* paths the instance lists in ``protect`` (envgym's field: e.g. a Makefile that drives the tests).

A path the reference fix (``patch``) itself changes is exempt from the name rules: the instance
needs it changed.

Example:
    >>> sorted(reverted_paths(["src/a.py", "tests/conftest.py", "x.pth", "tests/test_a.py"],
    ...                       test_patch_files={"tests/test_a.py"}, gold_files=set()))
    ['tests/conftest.py', 'tests/test_a.py', 'x.pth']
"""

from __future__ import annotations

import re
from typing import Iterable

CONFIG_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "tox.ini",
        "setup.cfg",
        "pyproject.toml",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
SHADOW_MODULES = frozenset({"pytest.py", "py.py", "unittest.py"})
SHADOW_PACKAGES = frozenset({"_pytest", "pluggy", "pytest", "unittest"})
_DIFF_GIT = re.compile(r"^diff --git a/(.+?) b/(.+)$")
_MINUS_PLUS = re.compile(r"^(?:---|\+\+\+) [ab]/(.+?)\t?$")


def patch_files(patch: str) -> set[str]:
    """Paths a unified diff touches (both sides of renames). For trusted instance data only."""
    files: set[str] = set()
    for line in patch.splitlines():
        m = _DIFF_GIT.match(line)
        if m:
            files.update(m.groups())
            continue
        m = _MINUS_PLUS.match(line)
        if m:
            files.add(m.group(1))
    return files


def why_protected(
    path: str, *, test_patch_files: set[str], gold_files: set[str], extra: Iterable[str] = ()
) -> str | None:
    """The reason ``path`` is reverted, or None when the agent's change to it stands."""
    if path in test_patch_files:
        return "touched by test_patch"
    for prefix in extra:
        if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/"):
            return f"listed in the instance's protect ({prefix})"
    if path in gold_files:
        return None
    parts = path.split("/")
    name = parts[-1]
    if name in CONFIG_NAMES or name.endswith(".pth"):
        return "test-runner configuration"
    if name in SHADOW_MODULES or any(p in SHADOW_PACKAGES for p in parts[:-1]):
        return "shadows a module of the test runner"
    return None


def reverted_paths(
    changed: Iterable[str], *, test_patch_files: set[str], gold_files: set[str], extra: Iterable[str] = ()
) -> dict[str, str]:
    """{path: reason} for every changed path that is reverted to the base commit (or removed)."""
    extra = tuple(extra)
    out = {}
    for path in changed:
        reason = why_protected(path, test_patch_files=test_patch_files, gold_files=gold_files, extra=extra)
        if reason:
            out[path] = reason
    return out
