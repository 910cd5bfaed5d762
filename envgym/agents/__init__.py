"""Agents turn observations into actions (docs/architecture.md §3). Plugins live in ``envgym.agents``.

Example:
    >>> from envgym.agents import get_agent
    >>> get_agent("nop").name
    'nop'
"""

from __future__ import annotations

from typing import Any

from envgym.agents.base import Agent, AgentEpisode

__all__ = ["Agent", "AgentEpisode", "get_agent"]


def get_agent(name: str, **config: Any) -> Agent:
    """Instantiate the agent plugin ``name`` with its configuration."""
    from envgym.kernel import registry

    cls = registry.load("agents", name)
    agent: Agent = cls(**config)
    return agent
