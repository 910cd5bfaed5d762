"""Every shipped environment family's tools pass the conformance kit's tool check, which includes a
description for the tool and for each parameter (models pick arguments from those words; TRL's
environment_factory refuses a tool whose parameters are undocumented)."""

from __future__ import annotations

from envgym.kernel import registry
from envgym.kernel.families import load_family
from envgym.testing import check_tool


def test_every_shipped_tool_and_parameter_is_described():
    problems = []
    families = 0
    for plugin in registry.list_plugins("environments"):
        cls = load_family(plugin.name)
        families += 1
        for suite in cls.suites():
            for tool in cls.tools(suite.name):
                problems += [f"{plugin.name}/{suite.name}: {p}" for p in check_tool(tool)]
    assert families >= 4
    assert problems == []
