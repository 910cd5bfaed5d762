"""envgym-reasoning: the ``reasoning`` family (entry point ``envgym.environments:reasoning``)."""

from envgym_reasoning.answers import extract_answer
from envgym_reasoning.environment import ReasoningEnvironment

__all__ = ["ReasoningEnvironment", "extract_answer"]
