#!/bin/bash
set -euo pipefail
for v in v1.2.0 v1.9.2 v1.10.0 v1.10.3 v0.99.1 v1.3.11 v1.10.12 v1.10.2; do mkdir -p "releases/$v"; echo "$v" > "releases/$v/VERSION"; done
ln -s releases/v1.9.2 current
