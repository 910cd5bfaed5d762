"""The prepared /etc of bwrap sandboxes: allowlisted host entries plus synthetic files, kept current."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from envgym.sandbox import bwrap_etc
from envgym.sandbox.bwrap_etc import EtcTemplate


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


def test_only_allowlisted_entries_and_synthetic_files(fake_etc):
    template = EtcTemplate(isolated_network=True, source=fake_etc)
    try:
        root = Path(template.path())
        assert (root / "ssl" / "certs" / "ca.pem").read_text() == "public"
        assert not (root / "ssl" / "private").exists() and not (root / "shadow").exists()
        assert os.readlink(root / "localtime") == "/usr/share/zoneinfo/Etc/UTC"
        assert (root / "passwd").read_text().startswith("root:x:0:0:")
        assert (root / "resolv.conf").read_text() == ""  # isolated network: no host resolver
        assert oct(root.stat().st_mode & 0o777) == "0o755"
    finally:
        template.remove()
    assert not root.exists()


def test_host_network_template_resolves_like_the_host(fake_etc):
    template = EtcTemplate(isolated_network=False, source=fake_etc)
    try:
        assert (Path(template.path()) / "resolv.conf").read_text() == "nameserver 192.0.2.1\n"
    finally:
        template.remove()


def test_a_changed_host_entry_gives_a_fresh_template(fake_etc):
    template = EtcTemplate(isolated_network=True, source=fake_etc)
    try:
        first = template.path()
        assert template.path() == first  # nothing changed: the same directory
        release = fake_etc / "os-release"
        release.write_text("NAME=two, a longer name\n")
        second = template.path()
        assert second != first and not Path(first).exists()
        assert (Path(second) / "os-release").read_text() == "NAME=two, a longer name\n"
    finally:
        template.remove()


def test_templates_of_dead_processes_are_swept(tmp_path, monkeypatch):
    monkeypatch.setattr(bwrap_etc, "_templates_root", lambda: tmp_path)
    gone_pid = _a_dead_pid()
    stale = tmp_path / f"envgym-etc-{gone_pid}-isolated-1-abc"
    stale.mkdir()
    mine = tmp_path / f"envgym-etc-{os.getpid()}-isolated-1-def"
    mine.mkdir()
    monkeypatch.setattr(EtcTemplate, "_swept", False)
    template = EtcTemplate(isolated_network=True, source=tmp_path / "no-such-etc")
    try:
        template.path()
        assert not stale.exists() and mine.exists()
    finally:
        template.remove()


def _a_dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid
