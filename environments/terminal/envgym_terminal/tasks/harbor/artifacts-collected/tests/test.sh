#!/bin/bash
if [ "$(/app/build/app 2>/dev/null)" = artifact ] && grep -q built /var/log/build/make.log 2>/dev/null; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
