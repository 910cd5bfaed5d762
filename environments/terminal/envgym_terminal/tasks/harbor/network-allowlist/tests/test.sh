#!/bin/bash
# The verifier phase is networked (eth0 is back), the agent's was not (solve.sh recorded that).
if ls /sys/class/net | grep -qv '^lo$' && [ "$(cat /app/state.txt 2>/dev/null)" = configured ] \
   && [ "$(cat /app/agent-interfaces.txt 2>/dev/null)" = lo ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
