"""EnvTrack's per-episode state: issues (status, priority, assignee, labels, milestone, watchers,
comments), new issues, and the signed-in user's settings; and its fixed world (people, projects,
labels, milestones, the 24 issues every episode starts with).

``facts(state)`` flattens a state into ``{(kind, id, field): value}`` so that a grader can compare
the final state with the initial one field by field (``grading.py``).

Example:
    >>> state = initial_state()
    >>> state.issue(1).title, state.issue(1).assignee
    ('Login page crashes on Safari', 'bob')
    >>> facts(state)[("issue", 1, "status")]
    'open'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envgym_web.sessions import SessionStore

COOKIE = "envgym_tracker"
ME = "alex"
PEOPLE = {"alex": "Alex Doe", "bob": "Bob Stone", "carol": "Carol Diaz", "dan": "Dan Wu"}
PROJECTS = {"WEB": "Website", "API": "API", "MOB": "Mobile app"}
LABELS = ("bug", "feature", "docs", "ui", "performance", "security", "duplicate", "wontfix", "good first issue")
MILESTONES = {"Website v1.0": "WEB", "Website v1.1": "WEB", "API 2.0": "API", "Mobile beta": "MOB"}
STATUSES = {"open": "Open", "in_progress": "In progress", "closed": "Closed"}
PRIORITIES = ("low", "medium", "high", "critical")


@dataclass
class Comment:
    author: str
    text: str


@dataclass
class Issue:
    id: int
    project: str
    title: str
    description: str
    status: str = "open"
    priority: str = "medium"
    assignee: str | None = None
    labels: set[str] = field(default_factory=set)
    milestone: str | None = None
    reporter: str = "alex"
    watchers: set[str] = field(default_factory=set)
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Settings:
    display_name: str = "Alex Doe"
    email: str = "alex.doe@example.com"
    notify_assigned: bool = True
    notify_mentioned: bool = False
    weekly_digest: bool = True


@dataclass
class TrackerState:
    issues: list[Issue] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    next_id: int = 25

    def issue(self, issue_id: int) -> Issue | None:
        return next((i for i in self.issues if i.id == issue_id), None)

    def new_issue(self, **fields: Any) -> Issue:
        issue = Issue(id=self.next_id, reporter=ME, **fields)
        self.next_id += 1
        self.issues.append(issue)
        return issue


def _i(
    id: int,
    project: str,
    title: str,
    status: str,
    priority: str,
    assignee: str | None,
    labels: list[str],
    milestone: str | None,
    reporter: str,
    description: str,
    comments: list[tuple[str, str]] = (),
) -> Issue:  # type: ignore[assignment]
    return Issue(
        id,
        project,
        title,
        description,
        status,
        priority,
        assignee,
        set(labels),
        milestone,
        reporter,
        set(),
        [Comment(a, t) for a, t in comments],
    )


def initial_state() -> TrackerState:
    issues = [
        _i(
            1,
            "WEB",
            "Login page crashes on Safari",
            "open",
            "high",
            "bob",
            ["bug"],
            "Website v1.0",
            "carol",
            "Opening /login in Safari 17 shows a blank page and the console reports a TypeError.",
            [("carol", "Happens on Safari 17 only."), ("bob", "I can reproduce it on a Mac.")],
        ),
        _i(
            2,
            "WEB",
            "Add dark mode",
            "closed",
            "medium",
            "carol",
            ["feature", "ui"],
            "Website v1.1",
            "alex",
            "Offer a dark colour scheme that follows the system setting.",
            [("carol", "Shipped behind a flag.")],
        ),
        _i(
            3,
            "WEB",
            "Footer links point to the old domain",
            "open",
            "low",
            None,
            ["bug"],
            "Website v1.0",
            "dan",
            "The Privacy and Terms links in the footer still go to the old domain.",
        ),
        _i(
            4,
            "WEB",
            "Add CSV export to reports",
            "open",
            "medium",
            "alex",
            ["feature"],
            "Website v1.1",
            "bob",
            "Customers want to download the monthly report as a CSV file.",
        ),
        _i(
            5,
            "WEB",
            "Typos on the pricing page",
            "open",
            "low",
            "dan",
            ["docs"],
            "Website v1.0",
            "carol",
            "'Anual' should read 'Annual', and 'seperately' should read 'separately'.",
            [("dan", "Two more in the FAQ.")],
        ),
        _i(
            6,
            "WEB",
            "Search results load slowly",
            "in_progress",
            "high",
            "alex",
            ["performance"],
            "Website v1.0",
            "bob",
            "Searching the catalogue takes 4-6 seconds.",
            [
                ("bob", "Profiled: the query has no index."),
                ("alex", "Adding the index now."),
                ("carol", "Still slow on staging."),
            ],
        ),
        _i(
            7,
            "WEB",
            "Cookie banner covers the menu on mobile",
            "open",
            "medium",
            None,
            ["ui", "bug"],
            "Website v1.1",
            "alex",
            "On narrow screens the cookie banner hides the navigation menu.",
        ),
        _i(
            8,
            "WEB",
            "Contact form accepts invalid emails",
            "open",
            "medium",
            "carol",
            ["bug", "security"],
            "Website v1.0",
            "dan",
            "Addresses without a domain are accepted and the replies bounce.",
        ),
        _i(
            9,
            "API",
            "API requests time out under load",
            "open",
            "medium",
            None,
            ["performance"],
            "API 2.0",
            "dan",
            "Above 200 requests per second, about 5% of requests time out.",
            [("dan", "Seen in the load test of last week."), ("bob", "Could be the connection pool.")],
        ),
        _i(
            10,
            "API",
            "Document the pagination parameters",
            "open",
            "low",
            "dan",
            ["docs", "good first issue"],
            "API 2.0",
            "carol",
            "The docs do not explain `page` and `per_page`.",
        ),
        _i(
            11,
            "API",
            "Rate limiter blocks internal services",
            "in_progress",
            "critical",
            "bob",
            ["bug"],
            "API 2.0",
            "alex",
            "Internal services share one IP and hit the public rate limit.",
            [("bob", "Working on an allow list."), ("alex", "Please add the metrics service too.")],
        ),
        _i(
            12,
            "API",
            "Support filtering by date range",
            "open",
            "medium",
            None,
            ["feature"],
            "API 2.0",
            "carol",
            "List endpoints should accept `from` and `to` dates.",
        ),
        _i(
            13,
            "API",
            "Deprecate the v1 endpoints",
            "open",
            "low",
            "alex",
            [],
            None,
            "bob",
            "Announce the end of v1 and add a Sunset header.",
        ),
        _i(
            14,
            "API",
            "Old XML export",
            "open",
            "low",
            None,
            ["wontfix"],
            None,
            "dan",
            "Bring back the XML export that was removed in 1.4.",
        ),
        _i(
            15,
            "API",
            "Timeouts when uploading big files",
            "open",
            "high",
            None,
            ["bug", "performance"],
            "API 2.0",
            "carol",
            "Uploads above 50 MB time out after 30 seconds.",
        ),
        _i(
            16,
            "MOB",
            "App crashes when rotating the screen",
            "open",
            "critical",
            "carol",
            ["bug"],
            "Mobile beta",
            "bob",
            "Rotating the phone on the checkout screen closes the app.",
            [("carol", "Only on Android."), ("bob", "Crash log attached to the beta report.")],
        ),
        _i(
            17,
            "MOB",
            "Push notifications arrive twice",
            "open",
            "high",
            None,
            [],
            "Mobile beta",
            "dan",
            "Every push notification is shown two times.",
        ),
        _i(
            18,
            "MOB",
            "Add a widget for the home screen",
            "open",
            "low",
            None,
            ["feature"],
            None,
            "carol",
            "A widget that shows today's tasks.",
        ),
        _i(
            19,
            "MOB",
            "Offline mode loses drafts",
            "in_progress",
            "high",
            "dan",
            ["bug"],
            "Mobile beta",
            "alex",
            "Drafts written offline are gone after the app syncs.",
        ),
        _i(
            20,
            "MOB",
            "Translate the app into Spanish",
            "open",
            "medium",
            None,
            [],
            None,
            "carol",
            "All screens, the store listing and the help pages.",
        ),
        _i(
            21,
            "MOB",
            "Support tablets in landscape",
            "closed",
            "low",
            "bob",
            ["feature", "ui"],
            "Mobile beta",
            "dan",
            "Use the extra width on tablets.",
        ),
        _i(
            22,
            "WEB",
            "Old blog redirect",
            "open",
            "low",
            None,
            ["wontfix"],
            None,
            "bob",
            "Redirect the 2019 blog URLs to the new blog.",
        ),
        _i(
            23,
            "MOB",
            "Legacy Android 8 support",
            "open",
            "low",
            None,
            ["wontfix"],
            None,
            "dan",
            "Keep supporting Android 8 devices.",
        ),
        _i(
            24,
            "WEB",
            "Improve password reset emails",
            "closed",
            "medium",
            "alex",
            ["feature"],
            "Website v1.0",
            "carol",
            "Make the reset email clearer and shorter.",
        ),
    ]
    return TrackerState(issues=issues)


def facts(state: TrackerState) -> dict[tuple[str, Any, str], Any]:
    """Every field of the state that a task may change, flattened (comments as a tuple per issue)."""
    out: dict[tuple[str, Any, str], Any] = {}
    for issue in state.issues:
        for name in ("project", "title", "description", "status", "priority", "assignee", "milestone", "reporter"):
            out[("issue", issue.id, name)] = getattr(issue, name)
        out[("issue", issue.id, "labels")] = frozenset(issue.labels)
        out[("issue", issue.id, "watchers")] = frozenset(issue.watchers)
        out[("issue", issue.id, "comments")] = tuple((c.author, c.text) for c in issue.comments)
    for name in ("display_name", "email", "notify_assigned", "notify_mentioned", "weekly_digest"):
        out[("settings", ME, name)] = getattr(state.settings, name)
    return out


class TrackerStore(SessionStore[TrackerState]):
    """Tracker sessions by token, each starting from ``initial_state()``."""

    def __init__(self) -> None:
        super().__init__(initial_state)
