#!/bin/bash
set -euo pipefail
sqlite3 shop.db < "$ENV_DIR/orders.sql"
