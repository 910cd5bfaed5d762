#!/bin/bash
if [ "$(cat /app/inventory.csv 2>/dev/null)" = $'item,count\napple,3\npear,5' ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
