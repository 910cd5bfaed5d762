#!/bin/bash
set -euo pipefail
cat > service.sh <<'SH'
#!/bin/bash
cd "$(dirname "$0")"
pidfile=run/worker.pid
is_running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid=$(cat "$pidfile" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && ! grep -q '^[^)]*) Z' "/proc/$pid/stat" 2>/dev/null
}
case "$1" in
  start)
    if is_running; then echo "already running"; exit 0; fi
    mkdir -p run
    setsid ./worker.sh >> run/worker.log 2>&1 < /dev/null &
    echo $! > "$pidfile"
    echo started ;;
  status)
    if is_running; then echo running; exit 0; else echo stopped; exit 3; fi ;;
  stop)
    if is_running; then
      pid=$(cat "$pidfile")
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
    echo stopped ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
SH
chmod +x service.sh
./service.sh start && ./service.sh status && ./service.sh stop
