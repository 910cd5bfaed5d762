#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     mkdir src; printf 'def main():\n    pass\n' > src/app.py
     git add -A && git commit -qm 'Add app'
     printf 'def parse(s):\n    return s.split(",")[1:]\n' > src/parser.py
     git add -A && git commit -qm 'Add parser'
     printf 'def parse(s):\n    return s.split(",")\n' > src/parser.py
     git commit -qam 'Fix off-by-one in parser'
     printf 'def main():\n    print("hi")\n' > src/app.py
     git commit -qam 'Say hi'
     git reset -q --hard HEAD~3
     printf 'notes\n' > NOTES.md; git add NOTES.md; git commit -qm 'Add notes'
