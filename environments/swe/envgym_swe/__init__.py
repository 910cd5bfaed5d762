"""envgym-swe: SWE-bench / SWE-Gym / SWE-smith instances as shipped, on the docker provider.

Example:
    >>> from envgym_swe import load_path
    >>> loaded = load_path("/nonexistent/instances.jsonl")
    >>> loaded.instances, loaded.skipped[0].reason
    ([], 'no such file or directory')
"""

from envgym_swe.environment import SweEnvironment
from envgym_swe.instances import Loaded, Skipped, SweInstance, load_path, parse_rows
from envgym_swe.suites import add_instances

__all__ = ["Loaded", "Skipped", "SweEnvironment", "SweInstance", "add_instances", "load_path", "parse_rows"]
