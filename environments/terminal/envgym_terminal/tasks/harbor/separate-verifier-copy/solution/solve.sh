#!/bin/bash
mkdir -p out
echo "notes that must not reach the verifier" > scratch.txt
python3 -c "
ps=[]; n=2
while len(ps) < 20:
    ps += [n] if all(n % p for p in ps) else []
    n += 1
print('\n'.join(map(str, ps)))" > out/primes.txt
