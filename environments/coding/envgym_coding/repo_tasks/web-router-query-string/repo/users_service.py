"""An example service: a users API on top of microweb."""

from microweb.app import App
from microweb.http import Request, Response

USERS = {1: {"id": 1, "name": "ada", "email": "ada@example.com"}, 42: {"id": 42, "name": "bob", "email": "bob@example.com"}}
app = App()


@app.route("GET", "/users/<int:user_id>")
def get_user(request: Request, user_id: int) -> Response:
    user = USERS.get(user_id)
    if user is None:
        return Response.json({"error": "no such user"}, status=404)
    fields = request.query.get("fields")
    if fields:
        wanted = fields[0].split(",")
        user = {k: v for k, v in user.items() if k in wanted}
    return Response.json(user)


@app.route("GET", "/users")
def list_users(request: Request) -> Response:
    limit = int(request.query.get("limit", ["100"])[0])
    return Response.json(sorted(USERS)[:limit])
