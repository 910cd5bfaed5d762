#!/bin/bash
# No network: the loopback interface only, for the agent and for the check.
seen=$(ls /sys/class/net | sort)
if [ "$seen" = lo ] && [ "$(cat /app/interfaces.txt 2>/dev/null)" = lo ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
