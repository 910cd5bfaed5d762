"""envgym-terminal: command-line tasks as Harbor-layout directories, graded by check scripts.

Example:
    >>> from envgym_terminal import TerminalEnvironment
    >>> [s.name for s in TerminalEnvironment.suites()][:1]
    ['core']
"""

from envgym_terminal.environment import TerminalEnvironment, tasks_in
from envgym_terminal.suites import add_tasks_dir
from envgym_terminal.taskfmt import TaskFormatError, UnsupportedTaskFeature, load_task_dir

__all__ = [
    "TerminalEnvironment",
    "TaskFormatError",
    "UnsupportedTaskFeature",
    "add_tasks_dir",
    "load_task_dir",
    "tasks_in",
]
