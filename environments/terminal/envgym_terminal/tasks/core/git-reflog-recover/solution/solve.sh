#!/bin/bash
set -euo pipefail
cd repo
sha=$(git log -g --format='%H %gs' HEAD | grep -m1 'commit: Fix off-by-one in parser' | cut -d' ' -f1 || true)
if [ -z "$sha" ]; then sha=$(git log -g --format='%H %s' | awk '$2 == "Fix" {print $1; exit}'); fi
git branch recovered "$sha"
