#!/bin/bash
set -euo pipefail
cd repo && git add -A && git commit -qm 'Update docs and add changelog'
