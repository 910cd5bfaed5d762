"""A task and the rules for its fields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

PRIORITIES = ("low", "normal", "high")


def normalize_tag(tag: str) -> str:
    """Tags are stored lowercase without a leading '#', so 'Home', 'home' and '#home' are one tag."""
    cleaned = tag.strip().lstrip("#").lower()
    if not cleaned or any(char.isspace() for char in cleaned):
        raise ValueError(f"invalid tag {tag!r}: tags are single words")
    return cleaned


def check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r} (choose from {', '.join(PRIORITIES)})")
    return priority


@dataclass
class Task:
    id: int
    title: str
    tags: list[str] = field(default_factory=list)
    done: bool = False
    priority: str = "normal"
    due: str | None = None  # an ISO date; kept as text so the JSON file stays readable

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("a task needs a title")
        self.tags = sorted({normalize_tag(tag) for tag in self.tags})
        check_priority(self.priority)

    @property
    def due_date(self) -> date | None:
        return date.fromisoformat(self.due) if self.due else None

    def is_overdue(self, today: date) -> bool:
        due = self.due_date
        return not self.done and due is not None and due < today

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        # Files written before priorities and due dates existed lack those keys; the defaults fill them in.
        known = {key: data[key] for key in ("id", "title", "tags", "done", "priority", "due") if key in data}
        return cls(**known)
