#!/bin/bash
set -euo pipefail
find src/app -name '*.py' -exec sed -i 's/\bget_user\b/fetch_user/g' {} +
