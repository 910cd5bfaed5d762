#!/bin/bash
set -euo pipefail
{ echo name,department
  awk -F, 'NR == FNR { if (FNR > 1 && $3 > 500000) d[$1] = $2; next } FNR > 1 && ($3 in d) { print $2 "," d[$3] }' departments.csv employees.csv | LC_ALL=C sort
} > big_budget_staff.csv
