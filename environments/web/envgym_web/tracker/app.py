"""EnvTrack's web application (Starlette, server-rendered HTML; a little JavaScript on the board).

Pages: ``/`` dashboard, ``/issues`` (filters, bulk close or label), ``/issues/new``,
``/issues/{id}`` (details, comments, close/reopen, watch), ``/issues/{id}/edit`` (every field; labels
in a multiple-choice list box), ``/board`` (a kanban board whose cards are dragged between columns;
the drop is saved with ``fetch`` and confirmed in a status line), ``/milestones`` and ``/settings``.
Every request finds its episode's state through the session cookie; without a valid one the page
says so (403).

Example:
    >>> app = create_app(TrackerStore())  # serve with uvicorn; the environment does it on 127.0.0.1
"""

from __future__ import annotations

import html
import json
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from envgym_web.tracker.store import (
    COOKIE,
    LABELS,
    ME,
    MILESTONES,
    PEOPLE,
    PRIORITIES,
    PROJECTS,
    STATUSES,
    Comment,
    Issue,
    TrackerState,
    TrackerStore,
)

e = html.escape
MAX_FIELD = 5000
STYLE = (
    "body{font-family:sans-serif;margin:0}header{background:#243;padding:8px}header a{color:#fff;margin-right:12px}"
    "main{padding:12px}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}"
    ".board{display:flex;gap:12px}.col{flex:1;min-height:300px;background:#f4f4f4;padding:6px}"
    ".card{background:#fff;border:1px solid #bbb;margin:6px 0;padding:6px;cursor:grab}"
    ".err{color:#b00}label{display:block;margin:4px 0}.comment{border-left:3px solid #ccc;padding:2px 8px;margin:6px 0}"
)
BOARD_JS = """
const status = document.getElementById('board-status');
for (const card of document.querySelectorAll('.card')) {
  card.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', card.dataset.id); });
}
for (const col of document.querySelectorAll('.col')) {
  col.addEventListener('dragover', (e) => e.preventDefault());
  col.addEventListener('drop', async (e) => {
    e.preventDefault();
    const id = e.dataTransfer.getData('text/plain');
    const card = document.querySelector('.card[data-id="' + id + '"]');
    if (!card || card.parentElement === col) return;
    status.textContent = 'Saving…';
    const answer = await fetch('/api/issues/' + id + '/status', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                                  body: JSON.stringify({status: col.dataset.status})});
    if (answer.ok) { col.append(card); status.textContent = 'Moved #' + id + ' to ' + col.getAttribute('aria-label') + '.'; }
    else status.textContent = 'Could not move #' + id + '.';
  });
}
"""


def _name(user: str | None) -> str:
    return PEOPLE.get(user or "", "Unassigned")


def _layout(title: str, body: str, state: TrackerState, message: str = "", script: str = "") -> HTMLResponse:
    nav = (
        '<header><nav><a href="/">EnvTrack</a><a href="/issues">Issues</a><a href="/board">Board</a>'
        '<a href="/milestones">Milestones</a><a href="/issues/new">New issue</a><a href="/settings">Settings</a>'
        f'</nav><span style="color:#fff">Signed in as {e(state.settings.display_name)}</span></header>'
    )
    note = f'<p role="status">{e(message)}</p>' if message else ""
    js = f"<script>{script}</script>" if script else ""
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><title>{e(title)} · EnvTrack</title><style>{STYLE}</style></head>"
        f"<body>{nav}<main><h1>{e(title)}</h1>{note}{body}</main>{js}</body></html>"
    )


async def _form(request: Request) -> dict[str, list[str]]:
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: [x[:MAX_FIELD] for x in v] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _one(form: dict[str, list[str]], key: str, default: str = "") -> str:
    return form.get(key, [default])[-1].strip()


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _select(name: str, label: str, options: list[tuple[str, str]], selected: Any = "", multiple: bool = False) -> str:
    chosen = selected if isinstance(selected, (set, frozenset, list)) else {selected}
    opts = "".join(f'<option value="{e(v)}"{" selected" if v in chosen else ""}>{e(t)}</option>' for v, t in options)
    size = f' size="{len(options)}"' if multiple else ""
    return f'<label>{e(label)} <select name="{e(name)}"{" multiple" if multiple else ""}{size}>{opts}</select></label>'


def _field(name: str, label: str, value: str = "", kind: str = "text") -> str:
    return f'<label>{e(label)} <input type="{kind}" name="{e(name)}" value="{e(value)}"></label>'


def _textarea(name: str, label: str, value: str = "") -> str:
    return f'<label>{e(label)} <textarea name="{e(name)}" rows="4" cols="60">{e(value)}</textarea></label>'


PEOPLE_OPTIONS = [("", "Unassigned")] + [(k, v) for k, v in PEOPLE.items()]


def _issue_fields(issue: Issue | None, with_status: bool) -> str:
    i = issue
    return "".join(
        [
            _select("project", "Project", list(PROJECTS.items()), i.project if i else ""),
            _field("title", "Title", i.title if i else ""),
            _textarea("description", "Description", i.description if i else ""),
            _select("status", "Status", list(STATUSES.items()), i.status) if with_status and i else "",
            _select("priority", "Priority", [(p, p.capitalize()) for p in PRIORITIES], i.priority if i else "medium"),
            _select("assignee", "Assignee", PEOPLE_OPTIONS, (i.assignee or "") if i else ""),
            _select("labels", "Labels", [(x, x) for x in LABELS], i.labels if i else set(), multiple=True),
            _select(
                "milestone",
                "Milestone",
                [("", "No milestone")] + [(m, m) for m in MILESTONES],
                (i.milestone or "") if i else "",
            ),
        ]
    )


def _read_issue_form(form: dict[str, list[str]]) -> tuple[dict[str, Any], str]:
    """The issue fields of a create or edit form, and an error for the user ('' when valid)."""
    fields: dict[str, Any] = {
        "project": _one(form, "project"),
        "title": _one(form, "title")[:200],
        "description": _one(form, "description"),
        "priority": _one(form, "priority", "medium"),
        "assignee": _one(form, "assignee") or None,
        "labels": {x for x in form.get("labels", []) if x in LABELS},
        "milestone": _one(form, "milestone") or None,
    }
    if "status" in form:
        fields["status"] = _one(form, "status")
    if fields["project"] not in PROJECTS:
        return fields, "Choose a project."
    if not fields["title"]:
        return fields, "Give the issue a title."
    if fields["priority"] not in PRIORITIES or fields.get("status", "open") not in STATUSES:
        return fields, "Choose a priority and a status."
    if fields["assignee"] is not None and fields["assignee"] not in PEOPLE:
        return fields, "Choose an assignee from the list."
    if fields["milestone"] is not None and MILESTONES.get(fields["milestone"]) != fields["project"]:
        return fields, f"The milestone {fields['milestone']} belongs to another project."
    return fields, ""


def _row(issue: Issue, check: bool) -> str:
    box = (
        f'<td><input type="checkbox" name="ids" value="{issue.id}" aria-label="Select #{issue.id}"></td>'
        if check
        else ""
    )
    return (
        f'<tr>{box}<td><a href="/issues/{issue.id}">#{issue.id} {e(issue.title)}</a></td><td>{PROJECTS[issue.project]}</td>'
        f"<td>{STATUSES[issue.status]}</td><td>{issue.priority}</td><td>{e(_name(issue.assignee))}</td>"
        f"<td>{e(', '.join(sorted(issue.labels)))}</td><td>{e(issue.milestone or '')}</td></tr>"
    )


def create_app(store: TrackerStore) -> Starlette:
    def page(handler: Callable[..., Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            state = store.get(request.cookies.get(COOKIE))
            if state is None:
                return HTMLResponse(
                    "<h1>No EnvTrack session</h1><p>This browser has no EnvTrack session.</p>", status_code=403
                )
            if "issue_id" in request.path_params:
                raw = request.path_params["issue_id"]
                issue = state.issue(int(raw)) if raw.isdigit() and len(raw) < 9 else None
                if issue is None:
                    return _layout("Issue not found", '<p><a href="/issues">All issues</a></p>', state)
                return await handler(request, state, issue)
            return await handler(request, state)

        return endpoint

    async def home(request: Request, state: TrackerState) -> Response:
        mine = [i for i in state.issues if i.assignee == ME and i.status != "closed"]
        rows = "".join(
            f'<li><a href="/issues/{i.id}">#{i.id} {e(i.title)}</a> · {STATUSES[i.status]}</li>' for i in mine
        )
        projects = "".join(
            f'<li><a href="/issues?{urlencode({"project": k})}">{e(v)}</a> · '
            f"{sum(1 for i in state.issues if i.project == k and i.status != 'closed')} open</li>"
            for k, v in PROJECTS.items()
        )
        body = f"<h2>Assigned to you</h2><ul>{rows or '<li>Nothing.</li>'}</ul><h2>Projects</h2><ul>{projects}</ul>"
        return _layout("Dashboard", body, state)

    async def issues(request: Request, state: TrackerState) -> Response:
        q = request.query_params
        text, project, status, label = (
            q.get("q", "").strip(),
            q.get("project", ""),
            q.get("status", "active"),
            q.get("label", ""),
        )
        assignee, milestone, priority = q.get("assignee", ""), q.get("milestone", ""), q.get("priority", "")
        found = list(state.issues)
        if text:
            words = text.lower().split()
            found = [i for i in found if all(w in f"{i.title} {i.description}".lower() for w in words)]
        if project:
            found = [i for i in found if i.project == project]
        if status == "active":
            found = [i for i in found if i.status != "closed"]
        elif status in STATUSES:
            found = [i for i in found if i.status == status]
        if label:
            found = [i for i in found if label in i.labels]
        if assignee == "none":
            found = [i for i in found if i.assignee is None]
        elif assignee:
            found = [i for i in found if i.assignee == assignee]
        if milestone:
            found = [i for i in found if i.milestone == milestone]
        if priority:
            found = [i for i in found if i.priority == priority]
        filters = (
            '<form action="/issues" method="get" aria-label="Filters">'
            + _field("q", "Search", text)
            + _select("project", "Project", [("", "All projects")] + list(PROJECTS.items()), project)
            + _select(
                "status",
                "Status",
                [("active", "Open or in progress"), ("all", "Any status")] + list(STATUSES.items()),
                status,
            )
            + _select("label", "Label", [("", "Any label")] + [(x, x) for x in LABELS], label)
            + _select("assignee", "Assignee", [("", "Anyone"), ("none", "Unassigned")] + list(PEOPLE.items()), assignee)
            + _select("milestone", "Milestone", [("", "Any milestone")] + [(m, m) for m in MILESTONES], milestone)
            + _select(
                "priority", "Priority", [("", "Any priority")] + [(p, p.capitalize()) for p in PRIORITIES], priority
            )
            + '<button type="submit">Apply filters</button></form>'
        )
        head = "<tr><th></th><th>Issue</th><th>Project</th><th>Status</th><th>Priority</th><th>Assignee</th><th>Labels</th><th>Milestone</th></tr>"
        table = f"<table>{head}{''.join(_row(i, True) for i in found)}</table>" if found else "<p>No issues match.</p>"
        bulk = (
            '<form action="/issues/bulk" method="post" aria-label="Selected issues">'
            f'<input type="hidden" name="back" value="{e(str(request.url.query))}">{table}'
            '<button type="submit" name="action" value="close">Close selected</button>'
            + _select("label", "Label for the selected issues", [(x, x) for x in LABELS])
            + '<button type="submit" name="action" value="label">Add label to selected</button></form>'
        )
        return _layout("Issues", filters + f"<p>{len(found)} issues</p>" + bulk, state, q.get("done", ""))

    async def bulk(request: Request, state: TrackerState) -> Response:
        form = await _form(request)
        chosen = [state.issue(int(x)) for x in form.get("ids", []) if x.isdigit() and len(x) < 9]
        picked = [i for i in chosen if i is not None]
        action, back = _one(form, "action"), _one(form, "back")
        if not picked:
            return _redirect("/issues?" + back)
        if action == "close":
            for issue in picked:
                issue.status = "closed"
            done = f"Closed {len(picked)} issues."
        elif action == "label" and _one(form, "label") in LABELS:
            for issue in picked:
                issue.labels.add(_one(form, "label"))
            done = f"Labelled {len(picked)} issues {_one(form, 'label')}."
        else:
            done = "Nothing was changed."
        query = dict(parse_qs(back))
        query["done"] = [done]
        return _redirect("/issues?" + urlencode(query, doseq=True))

    async def new_issue(request: Request, state: TrackerState) -> Response:
        body = f'<form action="/issues/new" method="post">{_issue_fields(None, False)}<button type="submit">Create issue</button></form>'
        return _layout("New issue", body, state)

    async def create_issue(request: Request, state: TrackerState) -> Response:
        fields, error = _read_issue_form(await _form(request))
        if error:
            return _layout(
                "New issue",
                f'<p class="err" role="alert">{e(error)}</p><p><a href="/issues/new">Try again</a></p>',
                state,
            )
        fields.pop("status", None)
        issue = state.new_issue(**fields)
        return _redirect(f"/issues/{issue.id}?done=Issue+created.")

    async def issue_page(request: Request, state: TrackerState, issue: Issue) -> Response:
        watching = ME in issue.watchers
        facts = [
            ("Project", PROJECTS[issue.project]),
            ("Status", STATUSES[issue.status]),
            ("Priority", issue.priority),
            ("Assignee", _name(issue.assignee)),
            ("Labels", ", ".join(sorted(issue.labels)) or "none"),
            ("Milestone", issue.milestone or "none"),
            ("Reported by", _name(issue.reporter)),
            ("Watchers", str(len(issue.watchers))),
        ]
        dl = "".join(f"<tr><th>{k}</th><td>{e(v)}</td></tr>" for k, v in facts)
        toggle = "Reopen issue" if issue.status == "closed" else "Close issue"
        actions = (
            f'<form action="/issues/{issue.id}/state" method="post" style="display:inline"><button type="submit">{toggle}</button></form> '
            f'<form action="/issues/{issue.id}/watch" method="post" style="display:inline"><button type="submit">'
            f'{"Stop watching" if watching else "Watch"}</button></form> <a href="/issues/{issue.id}/edit">Edit issue</a>'
        )
        comments = "".join(
            f'<div class="comment"><b>{e(_name(c.author))}</b>: {e(c.text)}</div>' for c in issue.comments
        )
        close_with = (
            ""
            if issue.status == "closed"
            else '<button type="submit" name="close" value="1">Close with comment</button>'
        )
        form = (
            f'<form action="/issues/{issue.id}/comments" method="post">{_textarea("text", "Comment")}'
            f'<button type="submit">Comment</button>{close_with}</form>'
        )
        body = (
            f"<table>{dl}</table><p>{e(issue.description)}</p><p>{actions}</p>"
            f"<h2>Comments ({len(issue.comments)})</h2>{comments or '<p>No comments yet.</p>'}{form}"
        )
        return _layout(f"#{issue.id} {issue.title}", body, state, request.query_params.get("done", ""))

    async def toggle_state(request: Request, state: TrackerState, issue: Issue) -> Response:
        issue.status = "open" if issue.status == "closed" else "closed"
        return _redirect(f"/issues/{issue.id}?done=Issue+{'reopened' if issue.status == 'open' else 'closed'}.")

    async def watch(request: Request, state: TrackerState, issue: Issue) -> Response:
        issue.watchers ^= {ME}
        return _redirect(f"/issues/{issue.id}?done={'Watching' if ME in issue.watchers else 'Not+watching'}.")

    async def comment(request: Request, state: TrackerState, issue: Issue) -> Response:
        form = await _form(request)
        text = _one(form, "text")
        if not text:
            return _redirect(f"/issues/{issue.id}?done=Write+a+comment+first.")
        issue.comments.append(Comment(ME, text))
        if _one(form, "close") == "1":
            issue.status = "closed"
        return _redirect(f"/issues/{issue.id}?done=Comment+added.")

    async def edit_page(request: Request, state: TrackerState, issue: Issue) -> Response:
        body = (
            f'<form action="/issues/{issue.id}/edit" method="post">{_issue_fields(issue, True)}'
            '<button type="submit">Save changes</button></form>'
            f'<p><a href="/issues/{issue.id}">Back to the issue</a></p>'
        )
        return _layout(f"Edit #{issue.id}", body, state)

    async def edit(request: Request, state: TrackerState, issue: Issue) -> Response:
        fields, error = _read_issue_form(await _form(request))
        if error:
            return _layout(
                f"Edit #{issue.id}",
                f'<p class="err" role="alert">{e(error)}</p><p><a href="/issues/{issue.id}/edit">Try again</a></p>',
                state,
            )
        for key, value in fields.items():
            setattr(issue, key, value)
        return _redirect(f"/issues/{issue.id}?done=Changes+saved.")

    async def board(request: Request, state: TrackerState) -> Response:
        project = request.query_params.get("project", "WEB")
        project = project if project in PROJECTS else "WEB"
        chooser = (
            '<form action="/board" method="get">'
            + _select("project", "Project", list(PROJECTS.items()), project)
            + '<button type="submit">Show board</button></form>'
        )
        cols = ""
        for key, title in STATUSES.items():
            cards = "".join(
                f'<article class="card" draggable="true" data-id="{i.id}" aria-label="#{i.id} {e(i.title)}">'
                f"#{i.id} {e(i.title)}</article>"
                for i in state.issues
                if i.project == project and i.status == key
            )
            cols += (
                f'<section class="col" data-status="{key}" aria-label="{title}" aria-dropeffect="move">'
                f"<h2>{title}</h2>{cards}</section>"
            )
        body = chooser + '<p id="board-status" role="status"></p>' + f'<div class="board">{cols}</div>'
        return _layout(f"Board: {PROJECTS[project]}", body, state, script=BOARD_JS)

    async def api_status(request: Request, state: TrackerState, issue: Issue) -> Response:
        try:
            body = json.loads((await request.body())[:1000] or b"{}")
        except ValueError:
            body = {}
        new = body.get("status") if isinstance(body, dict) else None
        if new not in STATUSES:
            return JSONResponse({"error": "unknown status"}, status_code=400)
        issue.status = new
        return JSONResponse({"id": issue.id, "status": new})

    async def milestones(request: Request, state: TrackerState) -> Response:
        rows = ""
        for name, project in MILESTONES.items():
            mine = [i for i in state.issues if i.milestone == name]
            counts = [sum(1 for i in mine if i.status == s) for s in STATUSES]
            rows += (
                f'<tr><td><a href="/issues?{urlencode({"milestone": name, "status": "all"})}">{e(name)}</a></td>'
                f"<td>{PROJECTS[project]}</td>" + "".join(f"<td>{c}</td>" for c in counts) + "</tr>"
            )
        head = "<tr><th>Milestone</th><th>Project</th>" + "".join(f"<th>{t}</th>" for t in STATUSES.values()) + "</tr>"
        return _layout("Milestones", f"<table>{head}{rows}</table>", state)

    async def settings_page(request: Request, state: TrackerState) -> Response:
        s = state.settings

        def box(name: str, label: str, on: bool) -> str:
            return f'<label><input type="checkbox" name="{name}" value="1"{" checked" if on else ""}>{e(label)}</label>'

        body = (
            '<form action="/settings" method="post"><h2>Profile</h2>'
            + _field("display_name", "Display name", s.display_name)
            + _field("email", "Email", s.email, "email")
            + "<h2>Notifications</h2>"
            + box("notify_assigned", "Email me when an issue is assigned to me", s.notify_assigned)
            + box("notify_mentioned", "Email me when someone mentions me", s.notify_mentioned)
            + box("weekly_digest", "Send me a weekly digest", s.weekly_digest)
            + '<button type="submit">Save settings</button></form>'
        )
        return _layout("Settings", body, state, request.query_params.get("done", ""))

    async def save_settings(request: Request, state: TrackerState) -> Response:
        form = await _form(request)
        name, email = _one(form, "display_name")[:100], _one(form, "email")[:200]
        if not name or "@" not in email:
            return _redirect("/settings?done=Give+a+display+name+and+a+valid+email.")
        s = state.settings
        s.display_name, s.email = name, email
        s.notify_assigned, s.notify_mentioned = (
            _one(form, "notify_assigned") == "1",
            _one(form, "notify_mentioned") == "1",
        )
        s.weekly_digest = _one(form, "weekly_digest") == "1"
        return _redirect("/settings?done=Settings+saved.")

    routes = [
        Route("/", page(home)),
        Route("/issues", page(issues)),
        Route("/issues/bulk", page(bulk), methods=["POST"]),
        Route("/issues/new", page(new_issue)),
        Route("/issues/new", page(create_issue), methods=["POST"]),
        Route("/issues/{issue_id}", page(issue_page)),
        Route("/issues/{issue_id}/state", page(toggle_state), methods=["POST"]),
        Route("/issues/{issue_id}/watch", page(watch), methods=["POST"]),
        Route("/issues/{issue_id}/comments", page(comment), methods=["POST"]),
        Route("/issues/{issue_id}/edit", page(edit_page)),
        Route("/issues/{issue_id}/edit", page(edit), methods=["POST"]),
        Route("/board", page(board)),
        Route("/api/issues/{issue_id}/status", page(api_status), methods=["POST"]),
        Route("/milestones", page(milestones)),
        Route("/settings", page(settings_page)),
        Route("/settings", page(save_settings), methods=["POST"]),
    ]
    return Starlette(routes=routes)
