"""The ``unit_tests`` grader: hidden tests run in a fresh sandbox, in a way the solution cannot subvert."""

from envgym_graders.unit_tests.grader import UnitTestsGrader

__all__ = ["UnitTestsGrader"]
