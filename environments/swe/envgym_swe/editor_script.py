"""The file editor, run inside the instance's container (stdlib only; Python >= 3.6, as the images'
system interpreters go back that far). It reads one JSON request on stdin and prints the answer.

It is the tool set SWE-agent and OpenHands give their agents (``str_replace_editor``): ``view`` a
file with line numbers (or a directory two levels deep), ``create`` a new file, ``str_replace`` an
exact, unique piece of text, ``insert`` text after a line, ``undo_edit`` the last edit of a file.
Edit history lives in the container (under /tmp), so it is the episode's and dies with it.
"""

import hashlib
import json
import os
import sys

HISTORY = "/tmp/.envgym_editor_history"
SNIPPET_LINES = 4
MAX_FILE_BYTES = 5 * 1024 * 1024


class EditorError(Exception):
    pass


def numbered(text, start=1):
    lines = text.split("\n")
    return "\n".join("%6d\t%s" % (i + start, line) for i, line in enumerate(lines))


def read_text(path):
    if not os.path.exists(path):
        raise EditorError("The path %s does not exist." % path)
    if os.path.isdir(path):
        raise EditorError("The path %s is a directory." % path)
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise EditorError("%s is larger than %d bytes; use bash (sed, head) to work on it." % (path, MAX_FILE_BYTES))
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EditorError("%s is not a UTF-8 text file." % path)


def history_dir(path):
    return os.path.join(HISTORY, hashlib.sha1(path.encode("utf-8")).hexdigest())


def save_history(path, old):
    d = history_dir(path)
    os.makedirs(d, exist_ok=True)
    n = len(os.listdir(d))
    with open(os.path.join(d, "%06d" % n), "w", encoding="utf-8") as fh:
        fh.write(old)


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def snippet(text, first_line, n_lines):
    lines = text.split("\n")
    start = max(0, first_line - SNIPPET_LINES)
    end = min(len(lines), first_line + n_lines + SNIPPET_LINES)
    return numbered("\n".join(lines[start:end]), start + 1)


def view(path, view_range):
    if os.path.isdir(path):
        if view_range:
            raise EditorError("view_range is for files, not directories.")
        out = []
        base_depth = path.rstrip("/").count("/")
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            depth = root.rstrip("/").count("/") - base_depth
            if depth >= 2:
                dirs[:] = []
            for name in sorted(dirs) + sorted(f for f in files if not f.startswith(".")):
                out.append(os.path.join(root, name))
        return "Files and directories up to 2 levels deep in %s, hidden items excluded:\n%s\n" % (
            path,
            "\n".join(sorted(out)),
        )
    text = read_text(path)
    lines = text.split("\n")
    start, end = 1, len(lines)
    if view_range:
        if (
            not isinstance(view_range, list)
            or len(view_range) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in view_range)
        ):
            raise EditorError("view_range must be a list of two integers, e.g. [10, 40] ([10, -1]: to the end).")
        start, end = view_range
        if start < 1 or start > len(lines):
            raise EditorError("view_range start %d is outside the file's lines 1-%d." % (start, len(lines)))
        if end == -1:
            end = len(lines)
        elif end < start or end > len(lines):
            raise EditorError("view_range end %d must be between %d and %d (or -1)." % (end, start, len(lines)))
    return "Here is the result of running `cat -n` on %s:\n%s\n" % (
        path,
        numbered("\n".join(lines[start - 1 : end]), start),
    )


def create(path, file_text):
    if file_text is None:
        raise EditorError("create needs `file_text`.")
    if os.path.exists(path):
        raise EditorError("File already exists at %s; `create` does not overwrite (use str_replace)." % path)
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        os.makedirs(parent)
    write_text(path, file_text)
    save_history(path, "")
    return "File created successfully at: %s" % path


def str_replace(path, old, new):
    if old is None or old == "":
        raise EditorError("str_replace needs a non-empty `old_str`.")
    new = new or ""
    text = read_text(path)
    count = text.count(old)
    if count == 0:
        raise EditorError("No replacement was performed: old_str did not appear verbatim in %s." % path)
    if count > 1:
        lines = [i + 1 for i, line in enumerate(text.split("\n")) if old.split("\n")[0] in line]
        raise EditorError(
            "No replacement was performed: old_str appears %d times (lines %s); make it unique."
            % (count, ", ".join(map(str, lines[:20])))
        )
    save_history(path, text)
    first_line = text[: text.index(old)].count("\n")
    updated = text.replace(old, new, 1)
    write_text(path, updated)
    return (
        "The file %s has been edited. Here is a snippet of the result:\n%s\nReview the changes and edit again "
        "if needed." % (path, snippet(updated, first_line, new.count("\n") + 1))
    )


def insert(path, line_no, new):
    if new is None:
        raise EditorError("insert needs `new_str`.")
    if not isinstance(line_no, int) or isinstance(line_no, bool):
        raise EditorError("insert needs an integer `insert_line`.")
    text = read_text(path)
    lines = text.split("\n")
    if line_no < 0 or line_no > len(lines):
        raise EditorError("insert_line %d must be between 0 and %d." % (line_no, len(lines)))
    save_history(path, text)
    new_lines = new.split("\n")
    updated = "\n".join(lines[:line_no] + new_lines + lines[line_no:])
    write_text(path, updated)
    return (
        "The file %s has been edited. Here is a snippet of the result:\n%s\nReview the changes and edit again "
        "if needed." % (path, snippet(updated, line_no, len(new_lines)))
    )


def undo(path):
    d = history_dir(path)
    entries = sorted(os.listdir(d)) if os.path.isdir(d) else []
    if not entries:
        raise EditorError("No edit history for %s." % path)
    last = os.path.join(d, entries[-1])
    with open(last, encoding="utf-8") as fh:
        old = fh.read()
    os.unlink(last)
    write_text(path, old)
    return "Last edit to %s undone. Here is the file now:\n%s" % (path, numbered(old))


def handle(req):
    command, path = req.get("command"), req.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise EditorError("`path` must be an absolute path, e.g. /testbed/src/module.py.")
    path = os.path.normpath(path)
    if command == "view":
        return view(path, req.get("view_range"))
    if command == "create":
        return create(path, req.get("file_text"))
    if command == "str_replace":
        return str_replace(path, req.get("old_str"), req.get("new_str"))
    if command == "insert":
        return insert(path, req.get("insert_line"), req.get("new_str"))
    if command == "undo_edit":
        return undo(path)
    raise EditorError("Unknown command %r; use view, create, str_replace, insert or undo_edit." % (command,))


def main():
    try:
        req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        sys.stdout.write(handle(req))
        return 0
    except EditorError as exc:
        sys.stdout.write("Error: %s" % exc)
    except (OSError, ValueError) as exc:
        sys.stdout.write("Error: %s" % exc)
    return 1


if __name__ == "__main__":
    sys.exit(main())
