#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the whole test suite in one pytest run.
# Extra arguments are passed to pytest. pytest's "no tests collected" (exit 5) counts as failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
.venv/bin/python -m pytest -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
