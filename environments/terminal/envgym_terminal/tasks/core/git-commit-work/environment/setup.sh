#!/bin/bash
set -euo pipefail
git init -q -b main repo
cd repo

     printf '# Project\n' > README.md; printf 'v1\n' > VERSION; printf 'old\n' > obsolete.txt
     git add -A && git commit -qm 'Initial commit'
     printf '# Project\n\nNow with docs.\n' > README.md
     printf '## 1.1\n- docs\n' > CHANGELOG.md
     git rm -q obsolete.txt
