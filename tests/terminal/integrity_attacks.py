"""Programs an agent leaves for the check to run, used by test_integrity_verifier.py.

HUNTER looks for the grading directories through every channel a program of the same user has
(environment, /proc of every process: command lines, environments, descriptors, working
directories, mapped files, memory; listing directories), plants reward files wherever it can and
locks those directories so the check cannot overwrite them; then it prints a wrong answer. If it
ever finds the reward location, the episode scores 1 and the test fails.
"""

HUNTER = r"""
import json, os, re, stat
PATH_RE = re.compile(rb"(/(?:\.envgym|tmp|logs|tests)[A-Za-z0-9_./-]{0,200})")
found = set()

def note(text):
    if isinstance(text, str):
        text = text.encode()
    for m in PATH_RE.findall(text):
        p = m.decode(errors="replace").rstrip("/.")
        while p and p != "/":
            found.add(p)
            p = os.path.dirname(p)

note(" ".join(f"{k}={v}" for k, v in os.environ.items()))
me = os.getpid()
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == me:
        continue
    base = f"/proc/{pid}"
    for name in ("cmdline", "environ"):
        try:
            note(open(f"{base}/{name}", "rb").read().replace(b"\0", b" "))
        except OSError:
            pass
    for link in ("cwd", "root", "exe"):
        try:
            note(os.readlink(f"{base}/{link}"))
        except OSError:
            pass
    try:
        for fd in os.listdir(f"{base}/fd"):
            try:
                target = os.readlink(f"{base}/fd/{fd}")
                note(target)
                if target.startswith("/"):
                    note(open(f"{base}/fd/{fd}", "rb").read(1 << 20))  # what a check reads from
            except OSError:
                pass
    except OSError:
        pass
    try:
        maps = open(f"{base}/maps").read().splitlines()
        mem = open(f"{base}/mem", "rb", buffering=0)
    except OSError:
        continue
    for line in maps:
        parts = line.split()
        note(parts[-1] if len(parts) >= 6 else "")
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        if "rw" in parts[1] and (len(parts) < 6 or parts[-1] in ("[heap]", "[stack]")) and hi - lo <= 64 << 20:
            try:
                mem.seek(lo)
                note(mem.read(hi - lo))
            except (OSError, ValueError, OverflowError):
                pass

# Everything reachable from what was found: listed where listing works.
todo = list(found)
while todo:
    d = todo.pop()
    try:
        for name in os.listdir(d):
            child = os.path.join(d, name)
            if child not in found and os.path.isdir(child):
                found.add(child)
                todo.append(child)
    except OSError:
        pass

planted = []
for d in sorted(found, key=len, reverse=True):
    for target in (d, os.path.join(d, "verifier")):
        try:
            if not os.path.isdir(target) or target in ("/", "/tmp"):
                continue
            for name, text in (("reward.txt", "1\n"), ("reward.json", json.dumps({"reward": 1}))):
                with open(os.path.join(target, name), "w") as fh:
                    fh.write(text)
                os.chmod(os.path.join(target, name), 0o444)  # the check's own write of 0 fails
            os.chmod(target, 0o500)
            planted.append(target)
        except OSError:
            pass
print("wrong answer", planted)
"""
