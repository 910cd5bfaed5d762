from pathlib import Path
want = {"pdf/report.PDF", "txt/notes.txt", "jpg/photo 1.jpg", "jpg/photo 2.JPG", "gz/data.tar.gz", "other/Makefile",
        "other/todo", "sh/script.sh", "csv/table.csv", "txt/old notes.TXT"}
root = Path("sorted")
got = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
ok = got == want and all((root / w).read_text() == f"content of {w.split('/', 1)[1]}\n" for w in want)
ok = ok and Path("inbox").is_dir() and not any(Path("inbox").iterdir())
raise SystemExit(0 if ok else 1)
