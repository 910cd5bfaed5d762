#!/bin/bash
expected=$(grep -c ':/usr/sbin/nologin$' /etc/passwd)
if ! command -v python3 >/dev/null && [ -n "$expected" ] && [ "$expected" -gt 0 ] \
   && [ "$(tr -d ' \n' < /srv/nologin-count.txt 2>/dev/null)" = "$expected" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
