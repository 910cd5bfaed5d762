from pathlib import Path
p = Path("large_files.txt")
want = ["data/a/b/big.bin", "data/with space/mid file.log", "data/c/just_over.dat"]
got = [l.strip() for l in p.read_text().splitlines() if l.strip()] if p.is_file() else []
ok = got == want and Path("data/a/b/big.bin").stat().st_size == 3000000 and Path("data/link_to_big").is_symlink()
raise SystemExit(0 if ok else 1)
