#!/bin/bash
set -euo pipefail
sqlite3 people.db <<'SQL'
CREATE TABLE people(name TEXT, age INTEGER, city TEXT);
.mode csv
.import --skip 1 people.csv people
SQL
sqlite3 people.db "SELECT city FROM people GROUP BY city ORDER BY AVG(age) DESC LIMIT 1;" > oldest_city.txt
