#!/bin/bash
# The state of the first step carried over: the file now has four lines.
if [ "$(cat /app/inventory.csv 2>/dev/null)" = $'item,count\napple,3\npear,5\nplum,4' ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
