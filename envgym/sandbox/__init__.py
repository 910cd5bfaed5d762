"""Sandbox providers (docs/architecture.md §6). ``get_provider("bwrap")`` returns a provider plugin instance.

Example:
    >>> provider = get_provider("process")  # unisolated: for trusted code only
    >>> provider.isolated
    False
"""

from __future__ import annotations

from typing import Any

from envgym.sandbox.base import ExecResult, Sandbox, SandboxProvider, SandboxSpec

__all__ = ["ExecResult", "Sandbox", "SandboxProvider", "SandboxSpec", "get_provider"]


def get_provider(name: str = "bwrap", **options: Any) -> SandboxProvider:
    """Instantiate the sandbox provider plugin ``name`` (entry-point group ``envgym.sandboxes``)."""
    from envgym.kernel import registry

    factory = registry.load("sandboxes", name)
    provider: SandboxProvider = factory(**options)
    if not provider.name:
        provider.name = name
    return provider
