"""The coding family and the graders through the HTTP API (FastAPI app in-process, httpx ASGI transport):
POST /v1/grade with each grader, a multi-turn episode that runs, fixes and submits, and 32 episodes at once."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import httpx
import pytest

from envgym.protocol import Action
from envgym_coding import CodingEnvironment

envgym_server = pytest.importorskip("envgym_server", reason="the envgym-server distribution is not installed")


def bwrap_available():
    from envgym.sandbox import get_provider

    try:
        return get_provider("bwrap").available()
    except Exception as exc:  # noqa: BLE001
        return False, str(exc)


@asynccontextmanager
async def served():
    ok, _ = bwrap_available()
    app = envgym_server.create_app(envgym_server.ServerConfig(sandbox="bwrap" if ok else "process", step_timeout_s=600))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test", timeout=900) as client:
            yield client


def call(name: str, **args) -> dict:
    return {"action": Action.call(name, **args).model_dump(exclude_none=True)}


async def test_grade_endpoint_runs_every_grader():
    he = CodingEnvironment.get_task("humaneval", "HumanEval-3")
    inline = he.model_dump()
    async with served() as client:
        by_env = await client.post(
            "/v1/grade",
            json={
                "env": "coding/humaneval",
                "task_id": "HumanEval-3",
                "submission": {"answer": he.private["canonical_solution"]},
            },
        )
        by_grader = await client.post(
            "/v1/grade",
            json={
                "grader": "unit_tests",
                "grader_config": {"kind": "function"},
                "task": inline,
                "submission": {"answer": "    return False\n"},
            },
        )
        simple = {"id": "q", "suite": "demo", "prompt": "?", "private": {"answer": "3/4"}}
        numeric = await client.post(
            "/v1/grade", json={"grader": "numeric", "task": simple, "submission": {"answer": "\\boxed{0.75}"}}
        )
        exact = await client.post(
            "/v1/grade", json={"grader": "exact", "task": simple, "submission": {"answer": "3/4"}}
        )
        regex = await client.post(
            "/v1/grade",
            json={
                "grader": "regex",
                "grader_config": {"pattern": r"^\d/\d$", "full": True},
                "task": simple,
                "submission": {"answer": "3/4"},
            },
        )
        weighted = await client.post(
            "/v1/grade",
            json={
                "grader": "weighted",
                "task": simple,
                "submission": {"answer": "0.75"},
                "grader_config": {
                    "components": [
                        {"name": "value", "grader": "numeric"},
                        {"name": "form", "grader": "exact", "weight": 1},
                    ]
                },
            },
        )
        repo_task = CodingEnvironment.get_task("repo", "paginator-last-page")
        files = {
            "pager/core.py": repo_task.payload["files"]["pager/core.py"].replace(
                "len(self.items) // self.per_page + 1", "max(1, -(-len(self.items) // self.per_page))"
            )
        }
        repo_graded = await client.post(
            "/v1/grade", json={"env": "coding/repo", "task_id": repo_task.id, "submission": {"files": files}}
        )
    assert by_env.status_code == 200 and by_env.json()["reward"] == 1.0
    assert by_env.json()["details"]["tests"][0]["outcome"] == "passed"
    body = by_grader.json()
    assert body["reward"] == 0.0 and body["status"] == "ok" and body["details"]["tests"][0]["outcome"] == "failed"
    assert numeric.json()["reward"] == 1.0 and exact.json()["reward"] == 1.0 and regex.json()["reward"] == 1.0
    assert weighted.json()["reward"] == 0.5 and [c["name"] for c in weighted.json()["components"]] == ["value", "form"]
    assert repo_graded.json()["reward"] == 1.0 and repo_graded.json()["details"]["total"] == 8


async def test_http_multi_turn_run_fix_submit_shows_per_test_results():
    task = CodingEnvironment.get_task("humaneval-tools", "HumanEval-2")
    async with served() as client:
        created = (await client.post("/v1/sessions", json={"env": "coding/humaneval-tools", "task_id": task.id})).json()
        sid = created["session_id"]
        assert [t["function"]["name"] for t in created["observation"]["tools"]] == ["run_python", "submit"]
        buggy = task.payload["prompt"] + "    return int(number)\n"
        run = (
            await client.post(
                f"/v1/sessions/{sid}/step", json=call("run_python", code=buggy + "print(truncate_number(3.5))")
            )
        ).json()
        assert "--- stdout ---\n3\n" in run["observation"]["messages"][0]["content"] and not run["terminated"]
        fixed = task.payload["prompt"] + "    return number - int(number)\n"
        run = (
            await client.post(
                f"/v1/sessions/{sid}/step", json=call("run_python", code=fixed + "print(truncate_number(3.5))")
            )
        ).json()
        assert "--- stdout ---\n0.5\n" in run["observation"]["messages"][0]["content"]
        final = (await client.post(f"/v1/sessions/{sid}/step", json=call("submit", code=fixed))).json()
        await client.delete(f"/v1/sessions/{sid}")
    assert final["terminated"] and final["reward"] == 1.0 and final["info"]["status"] == "completed"
    assert final["info"]["grade"]["details"]["tests"] == [
        {**final["info"]["grade"]["details"]["tests"][0], "name": "HumanEval-2", "outcome": "passed"}
    ]


async def test_32_coding_episodes_at_once_each_graded_correctly():
    """24 HumanEval episodes (single-turn and with tools; half right, half wrong) and 8 repository episodes
    (half fixed, half not), all open at the same time, each in its own sandbox."""
    he_ids = [f"HumanEval-{i}" for i in range(12)]
    repo_ids = [t.id for t in CodingEnvironment.tasks("repo")[:4]]

    async def humaneval(client, task_id, right, tools):
        suite = "humaneval-tools" if tools else "humaneval"
        task = CodingEnvironment.get_task(suite, task_id)
        sid = (await client.post("/v1/sessions", json={"env": f"coding/{suite}", "task_id": task_id})).json()[
            "session_id"
        ]
        body = task.private["canonical_solution"] if right else "    raise NotImplementedError\n"
        if tools:
            await client.post(f"/v1/sessions/{sid}/step", json=call("run_python", code=task.payload["prompt"] + body))
            final = (
                await client.post(f"/v1/sessions/{sid}/step", json=call("submit", code=task.payload["prompt"] + body))
            ).json()
        else:
            final = (await client.post(f"/v1/sessions/{sid}/step", json={"action": body})).json()
        await client.delete(f"/v1/sessions/{sid}")
        return final, 1.0 if right else 0.0

    async def repo_episode(client, task_id, right):
        task = CodingEnvironment.get_task("repo", task_id)
        sid = (await client.post("/v1/sessions", json={"env": "coding/repo", "task_id": task_id})).json()["session_id"]
        if right:
            await client.post(
                f"/v1/sessions/{sid}/step",
                json=call("write_file", path="fix.patch", content=task.private["reference_patch"]),
            )
            await client.post(
                f"/v1/sessions/{sid}/step", json=call("bash", command="patch -p1 -s < fix.patch && rm fix.patch")
            )
        final = (await client.post(f"/v1/sessions/{sid}/step", json=call("submit"))).json()
        await client.delete(f"/v1/sessions/{sid}")
        return final, 1.0 if right else 0.0

    async with served() as client:
        jobs = [
            humaneval(client, tid, right=i % 2 == 0, tools=tools)
            for tools in (False, True)
            for i, tid in enumerate(he_ids)
        ]
        jobs += [repo_episode(client, tid, right) for tid in repo_ids for right in (True, False)]
        assert len(jobs) == 32
        results = await asyncio.gather(*jobs)
        health = (await client.get("/metrics")).text
    # Every episode that was graded got exactly the right reward. The only tolerated failure is the sandbox
    # machinery's own (status grader_error with code sandbox_error, after the grader's retries), which the
    # bwrap provider still produces now and then under heavy load; it is reported, never scored as 0.
    infra = [
        r
        for r, _ in results
        if r["info"]["status"] == "grader_error"
        and (r["info"]["grade"].get("details") or {}).get("code") == "sandbox_error"
    ]
    graded = [(r, expected) for r, expected in results if r["info"]["status"] == "completed"]
    assert len(graded) + len(infra) == 32, [r["info"] for r, _ in results]
    assert len(infra) <= 2, [r["info"]["grade"]["error"] for r in infra]
    assert [r["reward"] for r, _ in graded] == [expected for _, expected in graded]
    assert all(r["reward"] == 0.0 for r in infra)
    assert health  # the server is still answering after the burst
