"""envgym-rubric: tasks without unit tests (explanations, summaries, technical writing, plans,
safety-sensitive advice), graded by the ``rubric`` grader of envgym-graders. See docs/rubric.md.

Example:
    >>> from envgym_rubric.family import RubricEnvironment
    >>> [s.name for s in RubricEnvironment.suites()][:2]
    ['explanation', 'summarisation']
"""
