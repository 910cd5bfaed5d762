"""The scripted OpenAI-compatible server itself (envgym.testing.openai_server)."""

from __future__ import annotations

import asyncio
import socket

import httpx

from envgym.testing.openai_server import OpenAIServer, Reply, chat_response, error_reply, fake_logprobs, fake_token_ids


def test_sync_and_async_handlers_errors_delays_and_request_log():
    async def slow(body):
        await asyncio.sleep(0.05)
        return Reply(body=chat_response("slow"), headers={"x-test": "1"})

    def handler(body):
        kind = body.get("kind")
        if kind == "error":
            return error_reply(400, "maximum context length exceeded")
        if kind == "boom":
            raise RuntimeError("script bug")
        if kind == "slow":
            return slow(body)
        return "plain text"

    with OpenAIServer(handler) as server:
        url = server.base_url + "/chat/completions"
        ok = httpx.post(url, json={"kind": "text", "messages": []}).json()
        assert ok["choices"][0]["message"] == {"role": "assistant", "content": "plain text"}
        assert ok["choices"][0]["finish_reason"] == "stop" and ok["usage"]["completion_tokens"] == 2
        err = httpx.post(url, json={"kind": "error"})
        assert err.status_code == 400 and "context length" in err.json()["error"]["message"]
        boom = httpx.post(url, json={"kind": "boom"})
        assert boom.status_code == 500 and "script bug" in boom.json()["error"]["message"]
        slow_reply = httpx.post(url, json={"kind": "slow"})
        assert slow_reply.json()["choices"][0]["message"]["content"] == "slow" and slow_reply.headers["x-test"] == "1"
        assert [r["kind"] for r in server.requests] == ["text", "error", "boom", "slow"]
        assert httpx.get(server.base_url + "/models").json()["data"][0]["id"] == "scripted"
        port = server.port
    with socket.socket() as sock:  # stopped: the port is free again
        sock.bind(("127.0.0.1", port))


def test_api_key_and_vllm_token_fields():
    ids = fake_token_ids("a b c")
    with OpenAIServer(
        lambda body: chat_response("a b c", token_ids=ids, prompt_token_ids=[1, 2], logprobs=fake_logprobs(ids)),
        api_key="k",
    ) as server:
        url = server.base_url + "/chat/completions"
        assert httpx.post(url, json={}).status_code == 401
        body = httpx.post(url, json={}, headers={"Authorization": "Bearer k"}).json()
    assert body["prompt_token_ids"] == [1, 2] and body["choices"][0]["token_ids"] == ids
    assert [e["token"] for e in body["choices"][0]["logprobs"]["content"]] == [f"token_id:{i}" for i in ids]
    assert ids == fake_token_ids("a b c") and len(ids) == 3


async def test_async_context_manager():
    async with OpenAIServer(lambda body: "hi") as server:
        async with httpx.AsyncClient() as client:
            r = await client.post(server.base_url + "/chat/completions", json={"messages": []})
    assert r.json()["choices"][0]["message"]["content"] == "hi"
