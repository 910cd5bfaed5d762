"""What a host's sessions share (a browser runtime) is registered once, on the host's context, and
closed when the host closes: not once per session, and not never."""

from __future__ import annotations

from envgym.host.tracking import TrackedContext


async def test_what_sessions_share_is_registered_once_and_closed_with_the_host():
    root = TrackedContext(sandbox="process")
    closed: list[str] = []

    async def closer() -> None:
        closed.append("pool")

    sessions = [root.child() for _ in range(3)]
    assert [s.on_close("pool", closer) for s in sessions] == [True, False, False]
    for session in sessions:  # a session ending does not close what the others still use
        await session.aclose()
    assert closed == []
    await root.aclose()
    assert closed == ["pool"]
    await root.aclose()
    assert closed == ["pool"]  # once
