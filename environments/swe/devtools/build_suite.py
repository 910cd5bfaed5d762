"""Build envgym_swe/suite/instances.jsonl and images.json from suite_spec.py, validating each
instance the way SWE-bench validates its own: the tests run on the host at the base commit with the
test patch (FAIL_TO_PASS must fail there) and with the reference fix too (everything must pass).

    .venv/bin/python environments/swe/devtools/build_suite.py

Needs git, python3 with pytest, cc and make on the host (the same tools as envgym-base:bookworm).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from suite_spec import INSTANCES, REPOS  # noqa: E402

from envgym_swe import gitcmd, parsers  # noqa: E402
from envgym_swe.environment import SWESMITH_DEFAULT  # noqa: E402

SUITE = HERE.parent / "envgym_swe" / "suite"
EVAL_DELIM = "EOF_114329324912"


def sh(cmd: list[str] | str, cwd: Path, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = {**os.environ, **gitcmd.COMMIT_ENV, **(env or {})}
    return subprocess.run(
        cmd, cwd=cwd, shell=isinstance(cmd, str), check=check, text=True, capture_output=True, env=full_env
    )


def edit(root: Path, edits: list[dict]) -> None:
    for e in edits:
        path = root / e["file"]
        if e["old"] is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(e["new"])
            continue
        text = path.read_text()
        if text.count(e["old"]) != 1:
            raise SystemExit(f"{e['file']}: the old text occurs {text.count(e['old'])} times")
        path.write_text(text.replace(e["old"], e["new"]))


def diff_of(root: Path, edits: list[dict]) -> str:
    edit(root, edits)
    sh("git add -A", root)
    out = sh("git diff --cached --binary", root).stdout
    sh("git reset -q --hard && git clean -qfdx", root)
    return out


def run_tests(root: Path, cmd: str, parser: str, inst: dict, *patches: tuple[str, bool]) -> dict[str, str]:
    for patch, reverse in patches:
        if patch:
            subprocess.run(
                ["git", "apply"] + (["-R"] if reverse else []) + ["-"], cwd=root, input=patch, text=True, check=True
            )
    # The image's tools (Debian's python3 and pytest), not whatever a developer has first on PATH.
    result = sh(cmd, root, check=False, env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"})
    sh("git reset -q --hard && git clean -qfdx", root)
    return parsers.parse(
        parser,
        result.stdout + result.stderr,
        {"instance_id": inst["id"], "repo": "", "fail_to_pass": [], "pass_to_pass": []},
    )


def eval_script(base: str, test_patch: str, test_cmd: str) -> str:
    """An eval script in the shape swebench >= 5 datasets ship (reset tests, apply test patch, markers)."""
    files = " ".join(sorted({line[6:] for line in test_patch.splitlines() if line.startswith("--- a/")}))
    return "\n".join(
        [
            "#!/bin/bash",
            "set -uxo pipefail",
            "cd /testbed",
            "git status",
            f"git checkout {base} {files}",
            f"git apply -v - <<'{EVAL_DELIM}'",
            test_patch.rstrip("\n"),
            EVAL_DELIM,
            f": '{parsers.START}'",
            test_cmd,
            f": '{parsers.END}'",
            f"git checkout {base} {files}",
            "",
        ]
    )


def main() -> None:
    rows, image_of = [], {}
    for spec in INSTANCES:
        repo_info = REPOS[spec["repo_dir"]]
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "testbed"
            shutil.copytree(SUITE / "images" / spec["repo_dir"] / "repo", root)
            sh("git init -q -b main && git add -A && git commit -q -m base", root)
            base = sh("git rev-parse HEAD", root).stdout.strip()
            row: dict = {
                "instance_id": spec["id"],
                "repo": repo_info["repo"],
                "problem_statement": spec["issue"],
                "version": repo_info["version"],
                "created_at": "2026-01-01T00:00:00Z",
                "hints_text": "",
            }
            if spec["form"] == "swesmith":
                bug = diff_of(root, spec["bug"])
                cmd, parser = SWESMITH_DEFAULT["test_cmd"], SWESMITH_DEFAULT["log_parser"]
                before = run_tests(root, cmd, parser, spec)
                after = run_tests(root, cmd, parser, spec, (bug, False))
                f2p = sorted(t for t, s in before.items() if parsers.passed(s) and not parsers.passed(after.get(t)))
                p2p = sorted(t for t, s in before.items() if parsers.passed(s) and parsers.passed(after.get(t)))
                # As SWE-smith datasets ship them: real lists, the bug as `patch`, an image name, no base_commit.
                row.update(patch=bug, FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p, image_name=f"envgym-swe/{spec['repo_dir']}")
            else:
                test_patch = diff_of(root, spec["tests"])
                patch = diff_of(root, spec["fix"])
                cmd, parser = spec["test_cmd"], spec["log_parser"]
                before = run_tests(root, cmd, parser, spec, (test_patch, False))
                after = run_tests(root, cmd, parser, spec, (test_patch, False), (patch, False))
                f2p = sorted(t for t, s in after.items() if parsers.passed(s) and not parsers.passed(before.get(t)))
                p2p = sorted(t for t, s in after.items() if parsers.passed(s) and parsers.passed(before.get(t)))
                failing_after = sorted(t for t, s in after.items() if not parsers.passed(s))
                if failing_after:
                    raise SystemExit(f"{spec['id']}: tests fail with the reference fix: {failing_after}")
                # As the Hugging Face SWE-bench datasets ship them: JSON-encoded test lists.
                row.update(
                    base_commit=base,
                    environment_setup_commit=base,
                    patch=patch,
                    test_patch=test_patch,
                    FAIL_TO_PASS=json.dumps(f2p),
                    PASS_TO_PASS=json.dumps(p2p),
                    log_parser=parser,
                )
                if spec["form"] == "swebench5":
                    row.update(eval_script=eval_script(base, test_patch, cmd), eval_type="pass_and_fail")
                else:
                    row.update(test_cmd=cmd)
            if not f2p or not p2p:
                raise SystemExit(f"{spec['id']}: FAIL_TO_PASS {f2p} / PASS_TO_PASS {p2p}: each needs at least one test")
            print(f"{spec['id']:58} {spec['form']:9} F2P {len(f2p):2}  P2P {len(p2p):2}")
            rows.append(row)
            image_of[spec["id"]] = spec["repo_dir"]
    (SUITE / "instances.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    meta = {
        "instances": image_of,
        "languages": {k: v["language"] for k, v in REPOS.items()},
        "protect": {k: v["protect"] for k, v in REPOS.items() if v["protect"]},
    }
    (SUITE / "images.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
