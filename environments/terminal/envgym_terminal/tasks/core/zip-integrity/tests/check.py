from pathlib import Path
ok = Path("corrupt.txt").is_file() and Path("corrupt.txt").read_text().strip() == "batch3.zip"
ex = Path("extracted")
names = {p.name for p in ex.iterdir()} if ex.is_dir() else set()
want = {f"b{b}_item{i}.txt" for b in (1, 2, 4) for i in (1, 2, 3)} | {f"b{b}_payload.bin" for b in (1, 2, 4)}
ok = ok and names == want and all((ex / f"b{b}_item{i}.txt").read_text() == f"batch {b} item {i}\n" for b in (1, 2, 4) for i in (1, 2, 3))
raise SystemExit(0 if ok else 1)
