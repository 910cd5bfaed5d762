"""The /etc of bwrap sandboxes: allowlisted host entries plus synthetic files, kept current."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sandbox_helpers import eventually

from envgym.sandbox import bwrap_etc
from envgym.sandbox.bwrap import _sources


@pytest.fixture(scope="module")
def template_code() -> dict:
    """bwrap_init.py and bwrap_template.py loaded into one namespace, as the template runs them."""
    ns: dict = {"__name__": "envgym_sandbox"}
    for name, source in zip(("bwrap_init.py", "bwrap_template.py"), _sources()):
        exec(compile(source, name, "exec"), ns)
    return ns


@pytest.fixture
def fake_etc(tmp_path: Path) -> Path:
    src = tmp_path / "etc"
    (src / "ssl" / "certs").mkdir(parents=True)
    (src / "ssl" / "private").mkdir()
    (src / "ssl" / "private" / "key.pem").write_text("secret")
    (src / "ssl" / "certs" / "ca.pem").write_text("public")
    (src / "shadow").write_text("root:secret")
    (src / "os-release").write_text("NAME=one\n")
    (src / "localtime").symlink_to("/usr/share/zoneinfo/Etc/UTC")
    (src / "resolv.conf").write_text("nameserver 192.0.2.1\n")
    return src


def test_only_allowlisted_entries_and_synthetic_files(template_code, fake_etc, tmp_path):
    root = tmp_path / "out"
    template_code["build_etc"](
        str(fake_etc),
        str(root),
        list(bwrap_etc.ETC_ALLOWLIST),
        dict(bwrap_etc.SYNTHETIC_ETC, **bwrap_etc.ISOLATED_NET_ETC),
    )
    assert (root / "ssl" / "certs" / "ca.pem").read_text() == "public"
    assert not (root / "ssl" / "private").exists() and not (root / "shadow").exists()
    assert os.readlink(root / "localtime") == "/usr/share/zoneinfo/Etc/UTC"
    assert (root / "passwd").read_text().startswith("root:x:0:0:")
    assert (root / "resolv.conf").read_text() == ""  # isolated network: no host resolver
    assert oct(root.stat().st_mode & 0o777) == "0o755"


def test_host_network_copy_resolves_like_the_host(template_code, fake_etc, tmp_path):
    root = tmp_path / "out"
    template_code["build_etc"](
        str(fake_etc), str(root), list(bwrap_etc.ETC_ALLOWLIST + bwrap_etc.HOST_NET_ENTRIES), bwrap_etc.SYNTHETIC_ETC
    )
    assert (root / "resolv.conf").read_text() == "nameserver 192.0.2.1\n"


def test_the_signature_changes_with_a_host_entry(fake_etc):
    first = bwrap_etc.host_signature(fake_etc)
    assert bwrap_etc.host_signature(fake_etc) == first
    (fake_etc / "os-release").write_text("NAME=two, a longer name\n")
    assert bwrap_etc.host_signature(fake_etc) != first


async def test_a_host_change_gives_new_sandboxes_a_new_template_and_keeps_the_old_ones(monkeypatch):
    from envgym.sandbox.bwrap import BwrapProvider

    provider = BwrapProvider()
    if not provider.available()[0]:
        pytest.skip("bwrap not available")
    try:
        old_box = await provider.create()
        old_template = provider._template
        real = bwrap_etc.host_signature
        monkeypatch.setattr(bwrap_etc, "host_signature", lambda: (real(), "changed"))
        new_box = await provider.create()
        assert provider._template is not old_template and provider._template.pid != old_template.pid
        # The sandbox made before the change keeps its /etc and its template.
        for box in (old_box, new_box):
            assert (await box.exec("head -1 /etc/passwd")).stdout == "root:x:0:0:root:/root:/bin/bash\n"
        await old_box.close()
        del old_box
        old_pid = old_template.pid
        del old_template  # the last reference: the old template is stopped
        await eventually(lambda: _zombie_or_gone(old_pid), what="the unused template's end")
        await new_box.close()
    finally:
        await provider.aclose()


def _zombie_or_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] == "Z"


def test_templates_older_versions_left_are_swept_only_when_their_process_is_gone(tmp_path):
    gone_pid = _a_dead_pid()
    stale = tmp_path / f"envgym-etc-{gone_pid}-isolated-1-abc"
    stale.mkdir()
    (stale / "passwd").write_text("x")
    live = tmp_path / f"envgym-etc-{os.getpid()}-isolated-1-def"
    live.mkdir()
    assert bwrap_etc.sweep_stale_templates((tmp_path,)) == [str(stale)]
    assert not stale.exists() and live.exists()


def _a_dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
