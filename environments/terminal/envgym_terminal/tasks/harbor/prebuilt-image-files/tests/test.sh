#!/bin/bash
n=$(ls -A /usr/share/doc | wc -l)
if [ "$n" -gt 20 ] && [ "$(tr -d ' \n' < /tmp/doc-count.txt 2>/dev/null)" = "$n" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
