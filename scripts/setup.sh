#!/usr/bin/env bash
# Installs everything envgym needs on a fresh Debian machine (run as root, or with sudo available):
# system packages (bubblewrap for the sandbox, Chromium for the web environment, the tools the
# terminal tasks use) and a virtual environment in ./.venv with every envgym distribution installed
# in editable mode. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# bubblewrap: the default sandbox. python3 + python3-pytest: the interpreter sandboxed code runs
# with (Debian's own, which starts in ~12 ms). chromium-headless-shell: the web environment's
# browser (chromium: the same browser with a window, for web.headless=false and for comparison
# runs). The rest are tools that terminal and coding tasks use inside the sandbox.
APT_PACKAGES=(
  bubblewrap python3 python3-venv python3-pytest
  chromium chromium-headless-shell fonts-dejavu-core
  git make gcc libc6-dev jq sqlite3 zip unzip bzip2 xz-utils bc file procps psmisc gawk sed grep findutils
  coreutils tar gzip patch diffutils ca-certificates
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Prefer Debian's Python 3.11 (fast start-up); fall back to any python3.11+ on PATH.
PY="${ENVGYM_PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in /usr/bin/python3.11 /usr/bin/python3 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "error: envgym needs Python >= 3.11 with the venv module (apt-get install python3-venv)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip

# Every distribution of the repository (docs/architecture.md §2), editable, in one resolve. The `test`
# extra holds the test tools: pytest and its plugins, mutmut, and the pinned ruff and mypy (docs/testing.md).
targets=(-e ".[test,docker,ray,trainers]")
for dir in server graders environments/*/ examples/*/*/; do
  [ -f "$dir/pyproject.toml" ] || continue
  case ${dir%/} in
    # envgym-swe grades with the SWE-bench harness's log parsers: its `swebench` extra (datasets, modal, ...).
    environments/swe) targets+=(-e "environments/swe[swebench]") ;;
    *) targets+=(-e "${dir%/}") ;;
  esac
done
# torch 2.13.0 (CPU) is what examples/torch_grpo trains with; pinned because that build installs
# quickly, while an unpinned torch pulls several GB of CUDA packages.
echo "==> installing envgym distributions: ${targets[*]}"
.venv/bin/python -m pip install -q "${targets[@]}" "torch==2.13.0"
# verl and OpenRLHF without their GPU stacks (see the trainer extras in pyproject.toml): the agent
# modules envgym.adapters.verl/openrlhf use, tested in tests/integrations.
echo "==> installing verl and OpenRLHF (--no-deps)"
.venv/bin/python -m pip install -q --no-deps "verl==0.9.1" "openrlhf==0.11.2"
echo "==> ready: $(.venv/bin/envgym --help >/dev/null && echo '.venv/bin/envgym')"
