#!/bin/bash
set -euo pipefail
sqlite3 crm.db < "$ENV_DIR/crm.sql"
