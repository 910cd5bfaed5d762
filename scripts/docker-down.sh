#!/usr/bin/env bash
# Stops the dockerd that scripts/docker-up.sh started (and nothing else).
set -uo pipefail
cd "$(dirname "$0")/.."
PIDFILE=.docker-state/dockerd.pid
if [ -f "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    echo "==> stopping the dockerd we started (pid $pid)"
    kill "$pid"; for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$PIDFILE"
fi
