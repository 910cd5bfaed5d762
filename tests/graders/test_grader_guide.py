"""The "Writing a grader" guide in docs/graders.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from envgym.kernel import registry

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "graders.md"


def test_the_write_a_grader_example_runs():
    section = GUIDE.read_text(encoding="utf-8").split("## Writing a grader", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    try:
        exec(compile(code, f"{GUIDE}:Writing a grader", "exec"), namespace)  # its asserts are the test
    finally:
        registry.unregister("graders", "keyword_coverage")
    assert namespace["grade"].components[0].name == "resolver"
