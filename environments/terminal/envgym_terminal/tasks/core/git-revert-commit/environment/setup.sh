#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     printf 'CFLAGS = -O2\n' > build.mk; printf 'a\n' > a.txt
     git add -A && git commit -qm 'Initial'
     printf 'CFLAGS = -O2 -Werror=everything\n' > build.mk; printf 'b\n' > b.txt
     git add -A && git commit -qm 'Break the build'
     printf 'a2\n' > a.txt; git commit -qam 'Update a'
