#!/bin/bash
score=0
[ -f /app/words.txt ] && score=$((score + 25))
[ "$(wc -l < /app/words.txt 2>/dev/null)" = 4 ] && score=$((score + 25))
[ "$(cat /app/words.txt 2>/dev/null)" = $'alpha\nbeta\ndelta\ngamma' ] && score=$((score + 50))
echo "$score" > /logs/verifier/reward.txt
