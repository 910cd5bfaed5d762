"""An example service: a users API on top of microweb."""

from __future__ import annotations

import re
from typing import Any

from microweb import App, BadRequest, NotFound, Request, Response

SEED_USERS = {
    1: {"id": 1, "name": "ada", "email": "ada@example.com"},
    42: {"id": 42, "name": "bob", "email": "bob@example.com"},
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
MAX_PAGE = 100


def _new_user(users: dict[int, dict[str, Any]], data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadRequest('expected {"name": ..., "email": ...}')
    name, email = data.get("name"), data.get("email")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name is required")
    if not isinstance(email, str) or not _EMAIL.fullmatch(email):
        raise BadRequest("a valid email is required")
    if any(user["email"] == email for user in users.values()):
        raise BadRequest(f"{email} is already registered")
    return {"id": max(users, default=0) + 1, "name": name.strip(), "email": email}


def create_app(users: dict[int, dict[str, Any]] | None = None) -> App:
    users = {uid: dict(user) for uid, user in (SEED_USERS if users is None else users).items()}
    app = App()

    @app.get("/users/<int:user_id>", name="user")
    def get_user(request: Request, user_id: int) -> Response:
        user = users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        fields = request.arg("fields")
        if fields:
            wanted = fields.split(",")
            user = {key: value for key, value in user.items() if key in wanted}
        return Response.json(user)

    @app.get("/users", name="users")
    def list_users(request: Request) -> Response:
        limit = request.arg("limit", MAX_PAGE, int)
        offset = request.arg("offset", 0, int)
        if not 0 <= limit <= MAX_PAGE or offset < 0:
            raise BadRequest(f"limit must be 0..{MAX_PAGE} and offset not negative")
        return Response.json(sorted(users)[offset:offset + limit])

    @app.get("/users/search", name="search")
    def search_users(request: Request) -> Response:
        text = (request.arg("q") or "").strip().lower()
        if not text:
            raise BadRequest("the q parameter is required")
        return Response.json([uid for uid, user in sorted(users.items())
                              if text in user["name"].lower() or text in user["email"].lower()])

    @app.post("/users")
    def create_user(request: Request) -> Response:
        user = _new_user(users, request.json())
        users[user["id"]] = user
        return Response.json(user, status=201, headers={"Location": app.url_for("user", user_id=user["id"])})

    return app


app = create_app()
