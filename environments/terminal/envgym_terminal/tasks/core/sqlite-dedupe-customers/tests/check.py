# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import sqlite3
from pathlib import Path
if not Path("crm.db").is_file():
    raise SystemExit(1)
con = sqlite3.connect("file:crm.db?mode=ro", uri=True)
try:
    ids = [r[0] for r in con.execute("SELECT id FROM customers ORDER BY id")]
    inv = [tuple(r) for r in con.execute("SELECT id, customer_id, total FROM invoices ORDER BY id")]
    idx = con.execute("SELECT sql FROM sqlite_master WHERE type='index' AND name='customers_email_nocase'").fetchone()
except sqlite3.Error:
    raise SystemExit(1)
ok = ids == [1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 28, 31, 34, 35, 37, 38, 39, 40, 41, 44, 46, 48, 51, 54, 55, 58, 60] and inv == [(1, 51, 264), (2, 4, 311), (3, 48, 326), (4, 28, 65), (5, 28, 257), (6, 19, 124), (7, 44, 438), (8, 28, 391), (9, 28, 256), (10, 14, 93), (11, 6, 151), (12, 5, 316), (13, 15, 301), (14, 48, 430), (15, 41, 423), (16, 13, 404), (17, 3, 64), (18, 18, 408), (19, 44, 340), (20, 15, 302), (21, 28, 455), (22, 8, 100), (23, 51, 190), (24, 37, 221), (25, 28, 465), (26, 28, 270), (27, 13, 151), (28, 14, 360), (29, 6, 496), (30, 44, 329), (31, 48, 482), (32, 9, 292), (33, 26, 162), (34, 31, 338), (35, 60, 44), (36, 28, 281), (37, 31, 480), (38, 3, 494), (39, 19, 84), (40, 40, 340), (41, 55, 495), (42, 58, 331), (43, 24, 338), (44, 58, 264), (45, 31, 194), (46, 37, 191), (47, 55, 338), (48, 46, 452), (49, 37, 350), (50, 2, 354), (51, 22, 391), (52, 48, 222), (53, 46, 23), (54, 48, 449), (55, 1, 195), (56, 11, 387), (57, 23, 197), (58, 15, 312), (59, 9, 272), (60, 4, 483), (61, 48, 310), (62, 31, 191), (63, 27, 294), (64, 6, 395), (65, 9, 387), (66, 1, 129), (67, 34, 370), (68, 58, 322), (69, 31, 262), (70, 11, 411), (71, 9, 308), (72, 35, 63), (73, 51, 472), (74, 48, 202), (75, 26, 141), (76, 4, 365), (77, 19, 222), (78, 38, 160), (79, 31, 307), (80, 26, 311), (81, 14, 38), (82, 28, 150), (83, 11, 401), (84, 41, 135), (85, 9, 412), (86, 9, 199), (87, 60, 299), (88, 2, 470), (89, 23, 284), (90, 31, 328), (91, 6, 92), (92, 24, 191), (93, 55, 411), (94, 48, 442), (95, 22, 339), (96, 25, 258), (97, 18, 157), (98, 54, 226), (99, 21, 222), (100, 48, 491), (101, 31, 156), (102, 19, 333), (103, 51, 426), (104, 41, 284), (105, 18, 485), (106, 25, 153), (107, 58, 251), (108, 31, 192), (109, 44, 157), (110, 44, 498), (111, 38, 40), (112, 58, 193), (113, 26, 305), (114, 17, 420), (115, 41, 103), (116, 55, 346), (117, 15, 314), (118, 14, 254), (119, 44, 113), (120, 5, 53)]
ok = ok and idx is not None and "UNIQUE" in idx[0].upper() and "NOCASE" in idx[0].upper()
raise SystemExit(0 if ok else 1)
