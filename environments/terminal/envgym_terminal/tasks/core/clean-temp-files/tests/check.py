from pathlib import Path
root = Path("project")
files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
dirs = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}
ok = files == {"cache.tmp.keep", "src/main.c", "build/obj/main.o", "docs/tmp.txt", "src/.cache/index"}
ok = ok and dirs == {"src", "src/.cache", "build", "build/obj", "docs", "docs/old drafts"}
raise SystemExit(0 if ok else 1)
