#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     printf 'def ratio(a, b):\n    return a / b\n' > calc.py
     git add -A && git commit -qm 'Add ratio'
     git checkout -qb experimental
     printf 'import numpy\n' > heavy.py; git add heavy.py; git commit -qm 'Try numpy'
     printf 'def ratio(a, b):\n    return a / b if b else 0.0\n' > calc.py; git commit -qam 'Fix division by zero'
     printf 'x = 1\n' > experiment.py; git add experiment.py; git commit -qm 'More experiments'
     git checkout -q main
     printf 'docs\n' > README.md; git add README.md; git commit -qm 'Add readme'
