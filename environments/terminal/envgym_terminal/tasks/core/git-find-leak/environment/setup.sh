#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     for i in $(seq 1 12); do
       echo "line $i" >> notes.txt
       if [ "$i" = 5 ]; then printf 'aws_key = "AKIA-EXAMPLE-KEY"\n' > settings.py; git add settings.py; fi
       if [ "$i" = 9 ]; then printf 'aws_key = None\n' > settings.py; fi
       git add -A; git commit -qm "Change $i"
     done
     git log --format=%H --grep='^Change 5$' > /dev/null
