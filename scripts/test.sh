#!/usr/bin/env bash
# Sets everything up and runs the whole test suite in one pytest run:
#   1. scripts/setup.sh      system packages + .venv with every envgym distribution
#   2. scripts/docker-up.sh  Docker Engine + base image for the Docker tests (skipped with a
#                            visible reason where Docker cannot run)
#   3. pytest                everything under tests/ (extra arguments are passed to pytest)
#   4. scripts/docker-down.sh stops the dockerd that step 2 started, if it started one
# pytest's "no tests collected" (exit 5) counts as failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
if [ "${ENVGYM_SKIP_DOCKER:-0}" != "1" ]; then
  bash scripts/docker-up.sh
  trap 'bash scripts/docker-down.sh' EXIT
fi
.venv/bin/python -m pytest -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
