"""The file editor's behaviour (the script the swe family runs inside each container), run here
with the host's Python on temporary files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from envgym_swe.tools import EDITOR_SOURCE


def edit(tmp_path, **req):
    env = {"PATH": "/usr/bin:/bin"}
    script = EDITOR_SOURCE.replace('HISTORY = "/tmp/.envgym_editor_history"', f'HISTORY = "{tmp_path}/.hist"')
    run = subprocess.run([sys.executable, "-c", script], input=json.dumps(req), capture_output=True, text=True, env=env)
    return run.stdout


def test_create_view_replace_insert_undo(tmp_path):
    f = str(tmp_path / "m.py")
    assert "created" in edit(tmp_path, command="create", path=f, file_text="a = 1\nb = 2\n")
    assert "     2\tb = 2" in edit(tmp_path, command="view", path=f)
    assert edit(tmp_path, command="view", path=f, view_range=[2, -1]).splitlines()[1] == "     2\tb = 2"
    assert "has been edited" in edit(tmp_path, command="str_replace", path=f, old_str="b = 2", new_str="b = 3")
    assert "has been edited" in edit(tmp_path, command="insert", path=f, insert_line=0, new_str="# top")
    assert (tmp_path / "m.py").read_text() == "# top\na = 1\nb = 3\n"
    edit(tmp_path, command="undo_edit", path=f)
    assert (tmp_path / "m.py").read_text() == "a = 1\nb = 3\n"


@pytest.mark.parametrize(
    "req, message",
    [
        (dict(command="str_replace", old_str="x", new_str="y"), "appears 2 times"),
        (dict(command="str_replace", old_str="zzz", new_str="y"), "did not appear verbatim"),
        (dict(command="create", file_text="new"), "does not overwrite"),
        (dict(command="insert", insert_line=99, new_str="y"), "must be between 0 and"),
        (dict(command="view", view_range=[5, 2]), "view_range start 5 is outside"),
        (dict(command="delete"), "Unknown command"),
    ],
)
def test_errors_are_answers(tmp_path, req, message):
    f = tmp_path / "m.py"
    f.write_text("x\nx\n")
    out = edit(tmp_path, path=str(f), **req)
    assert out.startswith("Error:") and message in out
    assert f.read_text() == "x\nx\n"


def test_relative_path_and_directory_view(tmp_path):
    assert "absolute path" in edit(tmp_path, command="view", path="rel.py")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("")
    assert f"{tmp_path}/pkg/a.py" in edit(tmp_path, command="view", path=str(tmp_path))
