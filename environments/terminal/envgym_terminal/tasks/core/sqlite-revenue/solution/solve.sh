#!/bin/bash
set -euo pipefail
sqlite3 shop.db "SELECT SUM(amount_cents) FROM orders WHERE status = 'paid' AND ordered_on LIKE '2023-%';" > revenue_2023.txt
