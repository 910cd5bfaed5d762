#!/usr/bin/env bash
# Builds the envgym server image (server/Dockerfile) FROM envgym's base image, with no registry:
# wheels for the selected distributions and all their dependencies are built/downloaded here on
# the host (from PyPI or the local wheel cache), together with pip's own wheel, into a staging
# directory next to a copy of the Dockerfile; the build itself needs no network.
#   usage: server/build-image.sh [--tag TAG] [--base IMAGE] [--core-only] [EXTRA_PROJECT_DIR ...]
#   default: envgym-server:0.1.0 with envgym, envgym-server, envgym-graders and the coding,
#            terminal, reasoning and rubric environments (web needs a browser: add environments/web
#            yourself and expect a larger image; --core-only: just envgym + envgym-server).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TAG="envgym-server:0.1.0"
BASE="envgym-base:bookworm"
PROJECTS=(. server graders environments/coding environments/terminal environments/reasoning environments/rubric)
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --core-only) PROJECTS=(. server); shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"

docker image inspect "$BASE" >/dev/null 2>&1 \
  || { echo "error: base image $BASE is missing; build it with scripts/build-base-image.sh" >&2; exit 1; }
# The wheels are built for the host's interpreter; the image's python3 must be the same version.
HOST_PY=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
BASE_PY=$(docker run --rm --network none --entrypoint python3 "$BASE" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$HOST_PY" = "$BASE_PY" ] || { echo "error: $PY is Python $HOST_PY but $BASE has $BASE_PY; set PYTHON to a $BASE_PY interpreter" >&2; exit 1; }

STAGE="$(mktemp -d /tmp/envgym-server-image.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
DIRS=()
for p in "${PROJECTS[@]}"; do DIRS+=("$ROOT/$p"); done
for p in "${EXTRA[@]}"; do DIRS+=("$(cd "$p" && pwd)"); done
echo "==> wheels for: ${PROJECTS[*]} ${EXTRA[*]}"
# envgym's own distributions build with hatchling; skip pip's isolated build env when it is installed.
ISOLATION=()
"$PY" -c 'import hatchling' 2>/dev/null && ISOLATION=(--no-build-isolation)
"$PY" -m pip wheel --quiet "${ISOLATION[@]}" --wheel-dir "$STAGE/wheels" "${DIRS[@]}"
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$STAGE/wheels" pip
cp "$ROOT/server/Dockerfile" "$STAGE/Dockerfile"
echo "==> docker build -t $TAG (FROM $BASE)"
DOCKER_BUILDKIT=0 docker build --quiet --network none --build-arg "BASE_IMAGE=$BASE" -t "$TAG" "$STAGE" >/dev/null
echo "==> built $TAG"
