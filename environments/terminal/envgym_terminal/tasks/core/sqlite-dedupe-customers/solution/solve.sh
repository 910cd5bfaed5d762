#!/bin/bash
set -euo pipefail
sqlite3 crm.db <<'SQL'
BEGIN;
UPDATE invoices SET customer_id = (
  SELECT MIN(c2.id) FROM customers c1 JOIN customers c2 ON lower(c1.email) = lower(c2.email) WHERE c1.id = invoices.customer_id);
DELETE FROM customers WHERE id NOT IN (SELECT MIN(id) FROM customers GROUP BY lower(email));
CREATE UNIQUE INDEX customers_email_nocase ON customers(email COLLATE NOCASE);
COMMIT;
SQL
