#!/bin/bash
expected=$(python3 -c "
ps=[]; n=2
while len(ps) < 20:
    ps += [n] if all(n % p for p in ps) else []
    n += 1
print('\n'.join(map(str, ps)))")
# A fresh container: the image's files, the artifact, and nothing else of the agent's.
if [ -f /app/from-image.txt ] && [ ! -e /app/scratch.txt ] && [ "$(cat /app/out/primes.txt 2>/dev/null)" = "$expected" ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
