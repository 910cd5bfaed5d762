# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import sqlite3
from pathlib import Path
want_rows = [('person0', 79, 'Lima'), ('person1', 54, 'Oslo'), ('person10', 72, 'Accra'), ('person11', 24, 'Accra'), ('person12', 62, 'Lisbon'), ('person13', 79, 'Lima'), ('person14', 35, 'Pune'), ('person15', 61, 'Pune'), ('person16', 47, 'Pune'), ('person17', 36, 'Lisbon'), ('person18', 68, 'Lima'), ('person19', 22, 'Pune'), ('person2', 27, 'Lisbon'), ('person20', 28, 'Oslo'), ('person21', 76, 'Oslo'), ('person22', 51, 'Pune'), ('person23', 24, 'Oslo'), ('person24', 19, 'Accra'), ('person25', 37, 'Lima'), ('person26', 71, 'Lisbon'), ('person27', 57, 'Accra'), ('person28', 77, 'Lima'), ('person29', 19, 'Lima'), ('person3', 50, 'Pune'), ('person30', 38, 'Lima'), ('person31', 40, 'Accra'), ('person32', 63, 'Pune'), ('person33', 25, 'Pune'), ('person34', 49, 'Oslo'), ('person35', 44, 'Accra'), ('person36', 89, 'Lisbon'), ('person37', 60, 'Lima'), ('person38', 25, 'Accra'), ('person39', 61, 'Lisbon'), ('person4', 60, 'Lima'), ('person40', 56, 'Lima'), ('person41', 89, 'Lisbon'), ('person42', 56, 'Accra'), ('person43', 77, 'Lima'), ('person44', 83, 'Lisbon'), ('person45', 20, 'Lima'), ('person46', 45, 'Accra'), ('person47', 88, 'Pune'), ('person48', 33, 'Lisbon'), ('person49', 25, 'Lima'), ('person5', 65, 'Accra'), ('person50', 42, 'Lima'), ('person51', 30, 'Lisbon'), ('person52', 89, 'Accra'), ('person53', 70, 'Accra'), ('person54', 18, 'Oslo'), ('person55', 63, 'Lisbon'), ('person56', 42, 'Oslo'), ('person57', 66, 'Oslo'), ('person58', 60, 'Accra'), ('person59', 26, 'Lima'), ('person6', 41, 'Oslo'), ('person60', 23, 'Oslo'), ('person61', 26, 'Lisbon'), ('person62', 55, 'Oslo'), ('person63', 35, 'Accra'), ('person64', 79, 'Lisbon'), ('person65', 47, 'Pune'), ('person66', 65, 'Lima'), ('person67', 21, 'Accra'), ('person68', 38, 'Lima'), ('person69', 86, 'Accra'), ('person7', 48, 'Accra'), ('person70', 45, 'Accra'), ('person71', 56, 'Oslo'), ('person72', 83, 'Oslo'), ('person73', 60, 'Pune'), ('person74', 25, 'Oslo'), ('person75', 33, 'Accra'), ('person76', 28, 'Oslo'), ('person77', 73, 'Lima'), ('person78', 57, 'Lisbon'), ('person79', 34, 'Lisbon'), ('person8', 27, 'Pune'), ('person9', 28, 'Pune')]
if not Path("people.db").is_file():
    raise SystemExit(1)
con = sqlite3.connect("file:people.db?mode=ro", uri=True)
try:
    rows = sorted(tuple(r) for r in con.execute("SELECT name, age, city FROM people"))
    types = {r[0] for r in con.execute("SELECT DISTINCT typeof(age) FROM people")}
except sqlite3.Error:
    raise SystemExit(1)
ok = rows == [tuple(r) for r in want_rows] and types == {"integer"}
ok = ok and Path("oldest_city.txt").is_file() and Path("oldest_city.txt").read_text().strip() == 'Lisbon'
raise SystemExit(0 if ok else 1)
