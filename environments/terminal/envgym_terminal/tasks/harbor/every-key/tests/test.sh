#!/bin/bash
ok=1
[ "$CHECK_MODE" = strict ] || { echo "no [verifier] env"; ok=0; }
[ "$(id -u)" = 0 ] || { echo "not root"; ok=0; }
[ "$(pwd)" = /workdir ] || { echo "workdir $(pwd)"; ok=0; }
[ "$(cat /workdir/state.txt 2>/dev/null)" = ready ] || ok=0
[ "$(cat /tmp/collected.txt 2>/dev/null)" = ready ] || { echo "the collect hook did not run"; ok=0; }
echo $ok > /logs/verifier/reward.txt
