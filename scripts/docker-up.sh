#!/usr/bin/env bash
# Makes a Docker Engine and envgym's base image available for the Docker tests:
# installs Debian's docker.io and debootstrap if missing, starts dockerd in the background if no
# engine answers (recording its PID so docker-down.sh stops only what this script started), and
# builds the base image (scripts/build-base-image.sh). Never fails the caller: when Docker cannot
# run here it says why, and the Docker tests then skip with that reason.
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=.docker-state
mkdir -p "$STATE"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

note() { echo "==> docker: $*"; echo "$*" > "$STATE/reason"; }

# docker-compose: Harbor tasks whose environment is a docker-compose.yaml (Debian's Compose v1;
# `docker compose` v2 is used instead where it is installed).
if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 \
   || { ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; }; then
  echo "==> installing docker.io, docker-compose and debootstrap"
  $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io docker-compose debootstrap >/dev/null \
    || { note "could not install docker.io/docker-compose/debootstrap from Debian's packages"; exit 0; }
fi

if ! docker info >/dev/null 2>&1; then
  echo "==> starting dockerd in the background"
  $SUDO sh -c "nohup dockerd >'$PWD/$STATE/dockerd.log' 2>&1 & echo \$! > '$PWD/$STATE/dockerd.pid'"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { note "dockerd did not come up (see $STATE/dockerd.log)"; exit 0; }
fi

bash scripts/build-base-image.sh || { note "building the base image failed"; exit 0; }
rm -f "$STATE/reason"
echo "==> docker: engine and base image ready"
