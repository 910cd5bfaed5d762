#!/bin/bash
set -euo pipefail
jq 'map(select(.status == "paid")) | group_by(.customer)
    | map({key: .[0].customer, value: (map(.items[] | .qty * .price) | add)}) | from_entries' orders.json > totals.json
