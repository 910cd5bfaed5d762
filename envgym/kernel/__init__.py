"""The kernel layer: what an episode is (``environment``, the ``episode`` port), what a grade is made
by (``grader``), what a host gives an episode (``context``, ``settings``), how names become plugins
(``registry``, ``families``), and the guards every family uses (``tools``, ``tool_parsers``,
``step_budget``, ``bounded``, ``gitsafe``, ``sync``). It imports the protocol and the sandbox
interface, never a client, adapter, eval runner, agent or command (docs/architecture.md §2).
Import from the defining module, e.g. ``from envgym.kernel.environment import Environment``.
"""
