"""BrowserGym's side of ``benchmarks/web.py --browsergym``: runs MiniWoB episodes (or holds sessions
open) in BrowserGym, in its own virtual environment, and prints one JSON line of measurements.

Run by web.py with the BrowserGym venv's Python and one JSON argument; not meant to be run by hand.
The MiniWoB pages are served from a thread of this process (so that serving them is counted in its
CPU, as envgym's own server is in envgym's), and BrowserGym drives the same Chromium binary.
"""

from __future__ import annotations

import functools
import http.server
import json
import logging
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_procstats import threads_cpu_seconds, tree_cpu_seconds, tree_pids, tree_pss_mb  # noqa: E402

logging.disable(logging.WARNING)  # BrowserGym warns at every reset about overridden task settings
LINE = re.compile(r"\[([^\]]+)\] (\w+) '((?:[^'\\]|\\.)*)'")


def serve(html_dir: str) -> str:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=html_dir)
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/miniwob/"


def plan(goal: str, tree: str) -> list[str]:
    """BrowserGym actions that solve the goal, found in its accessibility tree text."""
    elements = [(bid, role, name) for bid, role, name in LINE.findall(tree)]

    def find(role: str, name: str) -> str:
        return next(bid for bid, r, n in elements if r == role and n == name)

    if goal.startswith(
        "Select "
    ):  # click-checkboxes: "Select A, B and click Submit." / "Select nothing and click Submit."
        names = [
            n
            for n in goal[len("Select ") : -len(" and click Submit.")].replace(" and ", ", ").split(", ")
            if n != "nothing"
        ]
        return [f'click("{find("checkbox", n)}")' for n in names] + [f'click("{find("button", "Submit")}")']
    if goal.startswith("Click on the"):
        return [f'click("{find("button", goal.split(chr(34))[1])}")']
    if goal.startswith("Enter"):
        text = goal.split('"')[1]
        box = next(bid for bid, r, _ in elements if r == "textbox")
        return [f'fill("{box}", {json.dumps(text)})', f'click("{find("button", "Submit")}")']
    return [f'click("{find("button", "Click Me!")}")']


def main() -> None:
    cfg = json.loads(sys.argv[1])
    os.environ["MINIWOB_URL"] = serve(cfg["html_dir"])
    import browsergym.miniwob  # noqa: F401  (registers the tasks)
    import gymnasium as gym
    from browsergym.utils.obs import flatten_axtree_to_str

    def make(task: str):  # type: ignore[no-untyped-def]
        return gym.make(
            f"browsergym/miniwob.{task}", headless=True, pw_chromium_kwargs={"executable_path": cfg["chromium"]}
        )

    if cfg["mode"] == "memory":
        envs = []
        held = {}
        for k in range(1, cfg["sessions"] + 1):
            env = make(cfg["tasks"][0])
            env.reset(seed=k)
            envs.append(env)
            time.sleep(0.5)
            held[k] = tree_pss_mb()
        print(json.dumps({"pss_mb": held}))
        for env in envs:
            env.close()
        return

    records = []
    started, cpu_start = time.perf_counter(), tree_cpu_seconds()
    for i in range(cfg["episodes"]):
        task, seed = cfg["tasks"][i % len(cfg["tasks"])], cfg["seeds"][i % len(cfg["seeds"])]
        env = make(task)  # a BrowserGym env is one task; each reset launches its browsers anew
        c0, t0 = tree_cpu_seconds(), time.perf_counter()
        try:
            obs, info = env.reset(seed=seed)
            reset_wall = time.perf_counter() - t0
            actions = plan(obs["goal"], flatten_axtree_to_str(obs["axtree_object"]))
            steps, reward = [], 0.0
            pids = tree_pids()  # no process starts or ends during a step of an open episode
            for n, action in enumerate(actions):
                s0, sc0 = time.perf_counter(), threads_cpu_seconds(pids)
                obs, reward, terminated, truncated, info = env.step(action)
                steps.append(
                    {
                        "click": action.startswith("click"),
                        "final": n == len(actions) - 1,
                        "wall": time.perf_counter() - s0,
                        "cpu": threads_cpu_seconds(pids) - sc0,
                    }
                )
        except Exception as exc:  # noqa: BLE001 — counted as a failed episode (e.g. the task page not ready in time)
            env.close()
            records.append(
                {
                    "task": task,
                    "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
                    "episode_cpu": tree_cpu_seconds() - c0,
                    "reward": 0.0,
                }
            )
            continue
        env.close()
        records.append(
            {
                "task": task,
                "reset_wall": reset_wall,
                "steps": steps,
                "episode_cpu": tree_cpu_seconds() - c0,
                "reward": float(reward),
            }
        )
    wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu_start
    print(json.dumps({"records": records, "wall": wall, "cpu": cpu}))


if __name__ == "__main__":
    main()
