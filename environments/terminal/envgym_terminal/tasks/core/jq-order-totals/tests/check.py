import json, math
from pathlib import Path
want = {'umbrella': 2123.5, 'acme': 745.75, 'initech': 952.5, 'globex': 2413.75, 'hooli': 1400.5}
try:
    got = json.loads(Path("totals.json").read_text())
except Exception:
    raise SystemExit(1)
ok = isinstance(got, dict) and set(got) == set(want) and all(isinstance(got[k], (int, float)) and math.isclose(got[k], v, abs_tol=1e-6) for k, v in want.items())
raise SystemExit(0 if ok else 1)
