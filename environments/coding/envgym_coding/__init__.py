"""envgym's coding family: ``coding/humaneval``, ``coding/humaneval-tools`` and ``coding/repo``."""

from envgym_coding.environment import CodingEnvironment

__all__ = ["CodingEnvironment"]
