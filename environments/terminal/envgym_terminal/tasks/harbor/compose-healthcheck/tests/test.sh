#!/bin/bash
count=$(python3 -c "import urllib.request; print(urllib.request.urlopen('http://counter:9000/', timeout=5).read().decode())")
if [ "$count" = 5 ] && [ "$(cat /app/status.txt 2>/dev/null)" = done ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
