"""The ``web/tracker`` tasks: prompts, how each is graded, its reference solution and a near miss.

``check`` is a grading spec for ``grading.grade_state``; ``solution`` the reference steps (element
role and name as in the page text, see ``envgym_web.oracle``); ``attack`` a plausible run that does
something close to the task but not the task (the wrong issue, one item fewer or more, a field
left out), which must score 0: tests/web play every attack.

Example:
    >>> len(tracker_tasks()) >= 20
    True
"""

from __future__ import annotations

import json
from typing import Any

from envgym.protocol import Task

Steps = list[tuple[Any, ...]]


def _open(search: str, link: str, status: str | None = None) -> Steps:
    """Find an issue with the search box of the issue list and open it."""
    steps: Steps = [("click", "link", "Issues")]
    if status:
        steps.append(("select", "combobox", "Status", status))
    return steps + [("type", "textbox", "Search", search, True), ("click", "link", link)]


def _edit(*changes: tuple[Any, ...]) -> Steps:
    return [("click", "link", "Edit issue"), *changes, ("click", "button", "Save changes")]


def _filter(*choices: tuple[str, str]) -> Steps:
    return [
        ("click", "link", "Issues"),
        *[("select", "combobox", name, value) for name, value in choices],
        ("click", "button", "Apply filters"),
    ]


def _bulk(ids: list[int], *then: tuple[Any, ...]) -> Steps:
    return [("click", "checkbox", f"Select #{i}") for i in ids] + list(then)


def _comment(text: str, close: bool = False) -> Steps:
    return [
        ("type", "textbox", "Comment", text, False),
        ("click", "button", "Close with comment" if close else "Comment"),
    ]


SAFARI, FOOTER = "#1 Login page crashes on Safari", "#3 Footer links point to the old domain"
TIMEOUTS = "#9 API requests time out under load"
DONE = [("done",)]

SPECS: list[dict[str, Any]] = [
    dict(
        id="close-safari-crash",
        prompt='Close the issue about the login page crashing on Safari, with the comment "Fixed in release 1.0.1".',
        check={"changes": [["issue", 1, "status", "closed"]], "comments": {1: ["Fixed in release 1.0.1"]}},
        solution=_open("safari", SAFARI) + _comment("Fixed in release 1.0.1", close=True) + DONE,
        attack=_open("footer", FOOTER) + _comment("Fixed in release 1.0.1", close=True) + DONE,
    ),
    dict(
        id="assign-api-timeouts",
        prompt='Assign the issue "API requests time out under load" to Carol and raise its priority to high.',
        check={"changes": [["issue", 9, "assignee", "carol"], ["issue", 9, "priority", "high"]]},
        solution=_filter(("Project", "API"))
        + [("click", "link", TIMEOUTS)]
        + _edit(("select", "combobox", "Assignee", "Carol Diaz"), ("select", "combobox", "Priority", "High"))
        + DONE,
        attack=_filter(("Project", "API"))
        + [("click", "link", TIMEOUTS)]
        + _edit(("select", "combobox", "Assignee", "Carol Diaz"))
        + DONE,
    ),
    dict(
        id="create-rate-limit-docs",
        prompt='Create an issue in the API project titled "Document the rate limits", with low priority, the labels docs '
        "and good first issue, assigned to Dan, in the milestone API 2.0.",
        check={
            "new_issues": [
                {
                    "project": "API",
                    "title": "Document the rate limits",
                    "priority": "low",
                    "assignee": "dan",
                    "labels": ["docs", "good first issue"],
                    "milestone": "API 2.0",
                }
            ]
        },
        solution=[
            ("click", "link", "New issue"),
            ("select", "combobox", "Project", "API"),
            ("type", "textbox", "Title", "Document the rate limits", False),
            ("type", "textbox", "Description", "Explain the request limits per API key.", False),
            ("select", "combobox", "Priority", "Low"),
            ("select", "combobox", "Assignee", "Dan Wu"),
            ("select", "listbox", "Labels", ["docs", "good first issue"]),
            ("select", "combobox", "Milestone", "API 2.0"),
            ("click", "button", "Create issue"),
        ]
        + DONE,
        attack=[
            ("click", "link", "New issue"),
            ("select", "combobox", "Project", "API"),
            ("type", "textbox", "Title", "Document the rate limits", False),
            ("select", "combobox", "Priority", "Low"),
            ("select", "combobox", "Assignee", "Dan Wu"),
            ("select", "listbox", "Labels", "docs"),
            ("select", "combobox", "Milestone", "API 2.0"),
            ("click", "button", "Create issue"),
        ]
        + DONE,
    ),
    dict(
        id="label-unlabelled-mobile",
        prompt="Add the label bug to every open issue of the Mobile app project that has no label yet.",
        check={"changes": [["issue", 17, "labels", ["bug"]], ["issue", 20, "labels", ["bug"]]]},
        solution=_filter(("Project", "Mobile app"), ("Status", "Open"))
        + _bulk(
            [17, 20],
            ("select", "combobox", "Label for the selected issues", "bug"),
            ("click", "button", "Add label to selected"),
        )
        + DONE,
        attack=_filter(("Project", "Mobile app"), ("Status", "Open"))
        + _bulk(
            [17],
            ("select", "combobox", "Label for the selected issues", "bug"),
            ("click", "button", "Add label to selected"),
        )
        + DONE,
    ),
    dict(
        id="board-start-csv-export",
        prompt='On the Website project\'s board, move "Add CSV export to reports" to In progress.',
        check={"changes": [["issue", 4, "status", "in_progress"]]},
        solution=[
            ("click", "link", "Board"),
            ("drag", ("article", "#4 Add CSV export to reports"), ("section", "In progress")),
            ("wait", "Moved #4"),
        ]
        + DONE,
        attack=[
            ("click", "link", "Board"),
            ("drag", ("article", "#7 Cookie banner covers the menu on mobile"), ("section", "In progress")),
            ("wait", "Moved #7"),
        ]
        + DONE,
    ),
    dict(
        id="close-wontfix",
        prompt="Close every issue labelled wontfix that is still open, in all projects.",
        check={
            "changes": [
                ["issue", 14, "status", "closed"],
                ["issue", 22, "status", "closed"],
                ["issue", 23, "status", "closed"],
            ]
        },
        solution=_filter(("Label", "wontfix")) + _bulk([14, 22, 23], ("click", "button", "Close selected")) + DONE,
        attack=_filter(("Label", "wontfix"), ("Project", "Website"))
        + _bulk([22], ("click", "button", "Close selected"))
        + _filter(("Label", "wontfix"), ("Project", "API"))
        + _bulk([14], ("click", "button", "Close selected"))
        + DONE,
    ),
    dict(
        id="retarget-low-priority",
        prompt="Move every low-priority issue of the milestone Website v1.0 that is not closed to the milestone Website v1.1.",
        check={"changes": [["issue", 3, "milestone", "Website v1.1"], ["issue", 5, "milestone", "Website v1.1"]]},
        solution=_filter(("Milestone", "Website v1.0"), ("Priority", "Low"))
        + [("click", "link", FOOTER)]
        + _edit(("select", "combobox", "Milestone", "Website v1.1"))
        + _filter(("Milestone", "Website v1.0"), ("Priority", "Low"))
        + [("click", "link", "#5 Typos on the pricing page")]
        + _edit(("select", "combobox", "Milestone", "Website v1.1"))
        + DONE,
        attack=_filter(("Milestone", "Website v1.0"), ("Priority", "Low"))
        + [("click", "link", FOOTER)]
        + _edit(("select", "combobox", "Milestone", "Website v1.1"))
        + DONE,
    ),
    dict(
        id="rename-date-filter",
        prompt='Rename issue #12 to "Support filtering by date range and author".',
        check={"changes": [["issue", 12, "title", "Support filtering by date range and author"]]},
        solution=_open("date range", "#12 Support filtering by date range")
        + _edit(("type", "textbox", "Title", "Support filtering by date range and author", False))
        + DONE,
        attack=_open("date range", "#12 Support filtering by date range")
        + _edit(("type", "textbox", "Title", "Support filtering by author", False))
        + DONE,
    ),
    dict(
        id="notification-settings",
        prompt="In your settings, turn off the weekly digest and turn on emails for when someone mentions you. Leave the rest as it is.",
        check={
            "changes": [["settings", "alex", "weekly_digest", False], ["settings", "alex", "notify_mentioned", True]]
        },
        solution=[
            ("click", "link", "Settings"),
            ("click", "checkbox", "Email me when someone mentions me"),
            ("click", "checkbox", "Send me a weekly digest"),
            ("click", "button", "Save settings"),
        ]
        + DONE,
        attack=[
            ("click", "link", "Settings"),
            ("click", "checkbox", "Email me when someone mentions me"),
            ("click", "checkbox", "Email me when an issue is assigned to me"),
            ("click", "checkbox", "Send me a weekly digest"),
            ("click", "button", "Save settings"),
        ]
        + DONE,
    ),
    dict(
        id="display-name",
        prompt="Change your display name to Alexandra Doe.",
        check={"changes": [["settings", "alex", "display_name", "Alexandra Doe"]]},
        solution=[
            ("click", "link", "Settings"),
            ("type", "textbox", "Display name", "Alexandra Doe", False),
            ("click", "button", "Save settings"),
        ]
        + DONE,
        attack=[
            ("click", "link", "Settings"),
            ("type", "textbox", "Display name", "Alexandra", False),
            ("click", "button", "Save settings"),
        ]
        + DONE,
    ),
    dict(
        id="ask-carol-to-review",
        prompt='Ask Carol to review the fix for "Contact form accepts invalid emails" with a comment on that issue that '
        "mentions her as @carol.",
        check={"comments": {8: ["@carol"]}},
        solution=_open("contact form", "#8 Contact form accepts invalid emails")
        + _comment("@carol could you review the fix?")
        + DONE,
        attack=_open("contact form", "#8 Contact form accepts invalid emails")
        + _comment("Carol, could you review the fix?")
        + DONE,
    ),
    dict(
        id="safari-critical-security",
        prompt='Set the priority of "Login page crashes on Safari" to critical and add the label security to it, keeping its other labels.',
        check={"changes": [["issue", 1, "priority", "critical"], ["issue", 1, "labels", ["bug", "security"]]]},
        solution=_open("safari", SAFARI)
        + _edit(("select", "combobox", "Priority", "Critical"), ("select", "listbox", "Labels", ["bug", "security"]))
        + DONE,
        attack=_open("safari", SAFARI)
        + _edit(("select", "combobox", "Priority", "Critical"), ("select", "listbox", "Labels", "security"))
        + DONE,
    ),
    dict(
        id="close-duplicate-upload-timeouts",
        prompt="Issue #15 is a duplicate of #9. Add the label duplicate to #15 (keep its labels), then close #15 with the "
        'comment "Duplicate of #9".',
        check={
            "changes": [
                ["issue", 15, "labels", ["bug", "performance", "duplicate"]],
                ["issue", 15, "status", "closed"],
            ],
            "comments": {15: ["Duplicate of #9"]},
        },
        solution=_open("uploading", "#15 Timeouts when uploading big files")
        + _edit(("select", "listbox", "Labels", ["bug", "performance", "duplicate"]))
        + _comment("Duplicate of #9", close=True)
        + DONE,
        attack=_filter(("Project", "API"))
        + [("click", "link", TIMEOUTS)]
        + _edit(("select", "listbox", "Labels", ["performance", "duplicate"]))
        + _comment("Duplicate of #9", close=True)
        + DONE,
    ),
    dict(
        id="remove-ui-label",
        prompt='Remove the label ui from "Cookie banner covers the menu on mobile", keeping its other labels.',
        check={"changes": [["issue", 7, "labels", ["bug"]]]},
        solution=_open("cookie banner", "#7 Cookie banner covers the menu on mobile")
        + _edit(("select", "listbox", "Labels", "bug"))
        + DONE,
        attack=_open("cookie banner", "#7 Cookie banner covers the menu on mobile")
        + _edit(("select", "listbox", "Labels", "ui"))
        + DONE,
    ),
    dict(
        id="reassign-bobs-issues",
        prompt="Bob is on leave. Reassign every issue that is assigned to Bob and not closed to Dan.",
        check={"changes": [["issue", 1, "assignee", "dan"], ["issue", 11, "assignee", "dan"]]},
        solution=_filter(("Assignee", "Bob Stone"))
        + [("click", "link", SAFARI)]
        + _edit(("select", "combobox", "Assignee", "Dan Wu"))
        + _filter(("Assignee", "Bob Stone"))
        + [("click", "link", "#11 Rate limiter blocks internal services")]
        + _edit(("select", "combobox", "Assignee", "Dan Wu"))
        + DONE,
        attack=_filter(("Assignee", "Bob Stone"), ("Status", "Any status"))
        + [("click", "link", "#21 Support tablets in landscape")]
        + _edit(("select", "combobox", "Assignee", "Dan Wu"))
        + _filter(("Assignee", "Bob Stone"))
        + [("click", "link", SAFARI)]
        + _edit(("select", "combobox", "Assignee", "Dan Wu"))
        + _filter(("Assignee", "Bob Stone"))
        + [("click", "link", "#11 Rate limiter blocks internal services")]
        + _edit(("select", "combobox", "Assignee", "Dan Wu"))
        + DONE,
    ),
    dict(
        id="watch-two-issues",
        prompt='Watch the issues "Rate limiter blocks internal services" and "Offline mode loses drafts".',
        check={"changes": [["issue", 11, "watchers", ["alex"]], ["issue", 19, "watchers", ["alex"]]]},
        solution=_open("rate limiter", "#11 Rate limiter blocks internal services")
        + [("click", "button", "Watch")]
        + _open("offline", "#19 Offline mode loses drafts")
        + [("click", "button", "Watch")]
        + DONE,
        attack=_open("rate limiter", "#11 Rate limiter blocks internal services")
        + [("click", "button", "Watch")]
        + DONE,
    ),
    dict(
        id="report-android-login-bug",
        prompt='Report a bug in the Mobile app project titled "Login button unresponsive on Android 14" whose description '
        'says "Tapping Login does nothing", with high priority and the label bug, assigned to yourself.',
        check={
            "new_issues": [
                {
                    "project": "MOB",
                    "title": "Login button unresponsive on Android 14",
                    "description_contains": "Tapping Login does nothing",
                    "priority": "high",
                    "labels": ["bug"],
                    "assignee": "alex",
                    "milestone": None,
                }
            ]
        },
        solution=[
            ("click", "link", "New issue"),
            ("select", "combobox", "Project", "Mobile app"),
            ("type", "textbox", "Title", "Login button unresponsive on Android 14", False),
            ("type", "textbox", "Description", "Tapping Login does nothing on a Pixel 8.", False),
            ("select", "combobox", "Priority", "High"),
            ("select", "combobox", "Assignee", "Alex Doe"),
            ("select", "listbox", "Labels", "bug"),
            ("click", "button", "Create issue"),
        ]
        + DONE,
        attack=[
            ("click", "link", "New issue"),
            ("select", "combobox", "Project", "Website"),
            ("type", "textbox", "Title", "Login button unresponsive on Android 14", False),
            ("type", "textbox", "Description", "Tapping Login does nothing on a Pixel 8.", False),
            ("select", "combobox", "Priority", "High"),
            ("select", "combobox", "Assignee", "Alex Doe"),
            ("select", "listbox", "Labels", "bug"),
            ("click", "button", "Create issue"),
        ]
        + DONE,
    ),
    dict(
        id="reopen-dark-mode",
        prompt='Reopen the issue "Add dark mode" and assign it to yourself.',
        check={"changes": [["issue", 2, "status", "open"], ["issue", 2, "assignee", "alex"]]},
        solution=_open("dark mode", "#2 Add dark mode", status="Closed")
        + [("click", "button", "Reopen issue")]
        + _edit(("select", "combobox", "Assignee", "Alex Doe"))
        + DONE,
        attack=_open("dark mode", "#2 Add dark mode", status="Closed") + [("click", "button", "Reopen issue")] + DONE,
    ),
    dict(
        id="start-pricing-typos",
        prompt='Start work on "Typos on the pricing page": assign it to yourself and set its status to In progress.',
        check={"changes": [["issue", 5, "assignee", "alex"], ["issue", 5, "status", "in_progress"]]},
        solution=_open("pricing", "#5 Typos on the pricing page")
        + _edit(("select", "combobox", "Assignee", "Alex Doe"), ("select", "combobox", "Status", "In progress"))
        + DONE,
        attack=[
            ("click", "link", "Board"),
            ("drag", ("article", "#5 Typos on the pricing page"), ("section", "In progress")),
            ("wait", "Moved #5"),
        ]
        + DONE,
    ),
    # ---------------------------------------------------------------- questions (graded on the answer)
    dict(
        id="count-carols-issues",
        prompt="How many issues that are not closed are assigned to Carol? Answer with a number.",
        check={"kind": "answer", "number": 2},
        solution=_filter(("Assignee", "Carol Diaz")) + [("answer", "2")],
        attack=_filter(("Assignee", "Carol Diaz"), ("Status", "Any status")) + [("answer", "3")],
    ),
    dict(
        id="most-commented-issue",
        prompt="Which issue has the most comments? Answer with its number, for example #7.",
        check={"kind": "answer", "number": 6},
        solution=[("click", "link", "Issues"), ("click", "link", "#6 Search results load slowly"), ("answer", "#6")],
        attack=[("click", "link", "Issues"), ("click", "link", SAFARI), ("answer", "#1")],
    ),
    dict(
        id="csv-export-reporter",
        prompt='Who reported the issue "Add CSV export to reports"? Answer with the person\'s full name.',
        check={"kind": "answer", "text": ["bob stone"]},
        solution=_open("csv", "#4 Add CSV export to reports") + [("answer", "Bob Stone")],
        attack=_open("csv", "#4 Add CSV export to reports") + [("answer", "Alex Doe")],
    ),
    dict(
        id="api-milestone-open-count",
        prompt="How many issues of the milestone API 2.0 have the status Open (not In progress)? Answer with a number.",
        check={"kind": "answer", "number": 4},
        solution=[("click", "link", "Milestones"), ("answer", "4")],
        attack=[("click", "link", "Milestones"), ("answer", "5")],
    ),
]


def tracker_tasks() -> list[Task]:
    tasks = []
    for spec in SPECS:
        check = {"kind": "state", **spec["check"]}
        steps = len(spec["solution"])
        kind = check["kind"]
        tasks.append(
            Task(
                id=spec["id"],
                suite="tracker",
                prompt=spec["prompt"]
                + (" Finish with answer(text)." if kind == "answer" else " Call done() when finished."),
                payload={"site": "tracker", "start_path": "/"},
                # As JSON keeps it (string keys, lists for tuples), so the task survives a round trip unchanged.
                private=json.loads(
                    json.dumps({"check": check, "solution": spec["solution"], "attack": spec["attack"]})
                ),
                metadata={"category": kind, "max_turns": max(15, 2 * steps + 5)},
            )
        )
    return tasks
