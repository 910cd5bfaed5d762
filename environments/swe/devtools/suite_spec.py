"""The own suite's instances, as edits to the base repositories in envgym_swe/suite/images/*/repo.

Each instance names its repository, its issue text and three kinds of edits (exact old → new text in
one file; "old": None creates the file): ``fix`` (the reference patch), ``tests`` (the test_patch)
and, for the SWE-smith form, ``bug`` (the patch that introduces the bug; the fix is its reverse).
``build_suite.py`` turns this into instances.jsonl, validating every instance by running its tests.
"""

PY_CMD = "python3 -m pytest -rA -p no:cacheprovider --color=no --tb=short"
C_CMD = "make -s check"

REPOS = {
    "ledgerlite": {"repo": "envgym/ledgerlite", "version": "1.0", "language": "python", "protect": []},
    "inikit": {"repo": "envgym/inikit", "version": "0.4", "language": "python", "protect": []},
    # The C tests are driven by the Makefile and the harness in tests/: the agent's changes to them are reverted.
    "cstrbuf": {"repo": "envgym/cstrbuf", "version": "2.1", "language": "c", "protect": ["Makefile", "tests"]},
}

INSTANCES = [
    {
        "id": "ledgerlite__ledgerlite-1",
        "repo_dir": "ledgerlite",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_amounts.py",
        "log_parser": "parse_log_pytest",
        "issue": "parse_amount rejects accounting-style negative amounts.\n\nBank statements and spreadsheets write "
        "negative amounts in parentheses: `(12.50)` means -12.50 and `($1,200.00)` means -1200.00. "
        "parse_amount raises AmountError for them; it should return the negative value.",
        "fix": [
            {
                "file": "ledgerlite/amounts.py",
                "old": '    if s.startswith("-"):\n        negative = True\n        s = s[1:].strip()\n',
                "new": '    if s.startswith("(") and s.endswith(")"):\n        negative = True\n        s = s[1:-1].strip()\n'
                '    if s.startswith("-"):\n        negative = not negative\n        s = s[1:].strip()\n',
            }
        ],
        "tests": [
            {
                "file": "tests/test_amounts.py",
                "old": "def test_rounds_half_up():",
                "new": 'def test_parentheses_mean_negative():\n    assert parse_amount("(12.50)") == Decimal("-12.50")\n\n\n'
                'def test_parentheses_with_symbol():\n    assert parse_amount("($1,200.00)") == Decimal("-1200.00")\n\n\n'
                "def test_rounds_half_up():",
            }
        ],
    },
    {
        "id": "ledgerlite__ledgerlite-2",
        "repo_dir": "ledgerlite",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_ledger.py",
        "log_parser": "parse_log_pytest",
        "issue": "Ledger.balance counts unrelated accounts that share a name prefix.\n\nWith postings to "
        '`assets:bank:checking` and to `assets:bankfees`, `ledger.balance("assets:bank")` includes the '
        "bank fees. Only the account itself and its subaccounts (`assets:bank:...`) belong in its balance.",
        "fix": [
            {
                "file": "ledgerlite/ledger.py",
                "old": "                if p.account.startswith(account):",
                "new": '                if p.account == account or p.account.startswith(account + ":"):',
            }
        ],
        "tests": [
            {
                "file": "tests/test_ledger.py",
                "old": "def test_balance_until():",
                "new": "def test_balance_ignores_prefix_siblings():\n    led = make()\n"
                '    led.post(date(2024, 1, 9), "fee", ("assets:bankfees", "5"), ("income:refund", "-5"))\n'
                '    assert led.balance("assets:bank") == Decimal("400")\n    assert led.balance("assets:bankfees") == Decimal("5")\n\n\n'
                "def test_balance_until():",
            }
        ],
    },
    {
        "id": "ledgerlite__ledgerlite-3",
        "repo_dir": "ledgerlite",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_importer.py",
        "log_parser": "parse_log_pytest",
        "issue": "read_csv fails on quoted descriptions that contain commas.\n\nExports from most banks quote the "
        'description: `2024-01-03,"Smith, J",-5.00`. read_csv splits on every comma and raises '
        "`expected 3 fields, got 4`. Quoted fields (with commas and doubled quotes inside) should be read "
        "as CSV readers read them.",
        "fix": [
            {
                "file": "ledgerlite/importer.py",
                "old": "from datetime import datetime\n",
                "new": "import csv\nfrom datetime import datetime\n",
            },
            {
                "file": "ledgerlite/importer.py",
                "old": '        fields = line.split(",")\n',
                "new": "        fields = next(csv.reader([line]))\n",
            },
        ],
        "tests": [
            {
                "file": "tests/test_importer.py",
                "old": "def test_bad_header():",
                "new": "def test_quoted_description_with_comma():\n"
                '    rows = read_csv(\'date,description,amount\\n2024-01-03,"Smith, J",-5.00\\n\', "assets:bank")\n'
                '    assert rows[0][1] == "Smith, J"\n    assert rows[0][2][0] == ("assets:bank", Decimal("-5.00"))\n\n\n'
                "def test_doubled_quotes():\n"
                '    rows = read_csv(\'date,description,amount\\n2024-01-04,"the ""best"" cafe",-2\\n\', "assets:bank")\n'
                "    assert rows[0][1] == 'the \"best\" cafe'\n\n\n"
                "def test_bad_header():",
            }
        ],
    },
    {
        # The SWE-bench >= 5 form: the row carries its eval_script (written by build_suite.py as swebench writes them).
        "id": "ledgerlite__ledgerlite-4",
        "repo_dir": "ledgerlite",
        "form": "swebench5",
        "test_cmd": "python3 -m pytest -rA -p no:cacheprovider --color=no --tb=short tests/test_importer.py",
        "log_parser": "parse_log_pytest",
        "issue": "CSV exports saved by spreadsheet programs are refused: `expected the header date,description,amount`.\n\n"
        "The file starts with a UTF-8 byte order mark, so the first header cell reads `\\ufeffdate`. "
        "read_csv should ignore a leading byte order mark.",
        "fix": [
            {
                "file": "ledgerlite/importer.py",
                "old": "    lines = [line for line in text.splitlines() if line.strip()]\n",
                "new": '    if text.startswith("\\ufeff"):\n        text = text[1:]\n'
                "    lines = [line for line in text.splitlines() if line.strip()]\n",
            }
        ],
        "tests": [
            {
                "file": "tests/test_importer.py",
                "old": "def test_bad_header():",
                "new": "def test_byte_order_mark():\n"
                '    rows = read_csv("\\ufeffdate,description,amount\\n2024-01-02,tea,-1\\n", "assets:bank")\n'
                '    assert rows[0][1] == "tea"\n\n\n'
                "def test_bad_header():",
            }
        ],
    },
    {
        "id": "inikit__inikit-11",
        "repo_dir": "inikit",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_parser.py",
        "log_parser": "parse_log_pytest",
        "issue": "Inline comments end up in values.\n\n`port = 8080 ; default port` gives the value "
        "`8080 ; default port`, and getint fails. A `;` or `#` preceded by whitespace starts a comment "
        "that runs to the end of the line; `a;b` (no space before) stays part of the value.",
        "fix": [
            {
                "file": "inikit/parser.py",
                "old": "        cfg._data[current][key] = value.strip()\n",
                "new": "        cfg._data[current][key] = strip_comment(value).strip()\n",
            },
            {
                "file": "inikit/parser.py",
                "old": "def parse(text):",
                "new": 'INLINE_COMMENT_RE = re.compile(r"\\s[;#].*$")\n\n\ndef strip_comment(value):\n'
                '    return INLINE_COMMENT_RE.sub("", value)\n\n\ndef parse(text):',
            },
        ],
        "tests": [
            {
                "file": "tests/test_parser.py",
                "old": "def test_as_dict():",
                "new": 'def test_inline_comments():\n    cfg = parse("[s]\\nport = 8080 ; default port\\nname = x # note\\n")\n'
                '    assert cfg.getint("s", "port") == 8080\n    assert cfg.get("s", "name") == "x"\n\n\n'
                'def test_semicolon_inside_value():\n    assert parse("[s]\\nv = a;b\\n").get("s", "v") == "a;b"\n\n\n'
                "def test_as_dict():",
            }
        ],
    },
    {
        "id": "inikit__inikit-12",
        "repo_dir": "inikit",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_parser.py",
        "log_parser": "parse_log_pytest",
        "issue": "getbool does not accept on/off.\n\n`enabled = on` raises `not a boolean`. Like Python's "
        "configparser, getbool should accept on/off (any case) besides 1/0, yes/no and true/false.",
        "fix": [
            {
                "file": "inikit/parser.py",
                "old": 'TRUE = ("1", "yes", "true")\nFALSE = ("0", "no", "false")\n',
                "new": 'TRUE = ("1", "yes", "true", "on")\nFALSE = ("0", "no", "false", "off")\n',
            }
        ],
        "tests": [
            {
                "file": "tests/test_parser.py",
                "old": "def test_as_dict():",
                "new": 'def test_bool_on_off():\n    cfg = parse("[s]\\na = on\\nb = OFF\\n")\n'
                '    assert cfg.getbool("s", "a") is True\n    assert cfg.getbool("s", "b") is False\n\n\n'
                "def test_as_dict():",
            }
        ],
    },
    {
        "id": "inikit__inikit-13",
        "repo_dir": "inikit",
        "form": "swebench",
        "test_cmd": PY_CMD + " tests/test_parser.py",
        "log_parser": "parse_log_pytest",
        "issue": "Section names should be case-insensitive.\n\nA file with `[Server]` cannot be read with "
        '`cfg.get("server", "host")` (KeyError). Section lookups (get, has and the typed getters) should '
        "ignore case; sections() keeps the names as written.",
        "fix": [
            {
                "file": "inikit/parser.py",
                "old": "    def _section(self, name):\n        return self._data.get(name)\n",
                "new": "    def _section(self, name):\n        if name in self._data:\n            return self._data[name]\n"
                "        for key, sec in self._data.items():\n            if key.lower() == name.lower():\n"
                "                return sec\n        return None\n",
            }
        ],
        "tests": [
            {
                "file": "tests/test_parser.py",
                "old": "def test_as_dict():",
                "new": 'def test_section_case_insensitive():\n    cfg = parse("[Server]\\nhost = h\\n")\n'
                '    assert cfg.get("server", "host") == "h"\n    assert cfg.has("SERVER", "host")\n'
                '    assert cfg.sections() == ["Server"]\n\n\n'
                "def test_as_dict():",
            }
        ],
    },
    {
        # The SWE-smith form: no base_commit or test_patch; `bug` is the row's patch, the fix is its reverse.
        "id": "envgym__inikit.0b5e1a2c.func_pm_remove_default__inikit1",
        "repo_dir": "inikit",
        "form": "swesmith",
        "test_cmd": None,
        "log_parser": None,
        "issue": 'Config.get ignores the default for a missing key.\n\n`cfg.get("server", "missing", "fallback")` '
        'raises KeyError instead of returning "fallback" (getint and friends break the same way).',
        "bug": [
            {
                "file": "inikit/parser.py",
                "old": '            if default is _MISSING:\n                raise KeyError("%s.%s" % (section, key))\n            return default\n',
                "new": '            raise KeyError("%s.%s" % (section, key))\n',
            }
        ],
    },
    {
        "id": "cstrbuf__cstrbuf-21",
        "repo_dir": "cstrbuf",
        "form": "swebench",
        "test_cmd": C_CMD,
        "log_parser": "parse_log_googletest",
        "issue": "str_split drops empty trailing fields.\n\n`str_split(\"a,b,\", ',', f, 8)` returns 2 fields; the "
        'trailing empty field is lost (so is the single empty field of ""). Every separator ends a field: '
        '"a,b," has 3 fields, the last one empty, and "" has one empty field.',
        "fix": [
            {
                "file": "src/strutil.c",
                "old": "            if (count < max && (*p == sep || p > start)) {",
                "new": "            if (count < max) {",
            }
        ],
        "tests": [
            {
                "file": "tests/test_strutil.c",
                "old": "TEST(trim_both_ends) {",
                "new": "TEST(split_trailing_empty) {\n    char *f[8];\n    size_t n = str_split(\"a,b,\", ',', f, 8);\n"
                '    CHECK(n == 3);\n    CHECK_STR(f[2], "");\n    for (size_t i = 0; i < n; i++) free(f[i]);\n}\n\n'
                "TEST(split_empty_string) {\n    char *f[2];\n    size_t n = str_split(\"\", ',', f, 2);\n"
                '    CHECK(n == 1);\n    CHECK_STR(f[0], "");\n    free(f[0]);\n}\n\nTEST(trim_both_ends) {',
            },
            {
                "file": "tests/test_strutil.c",
                "old": '    {"trim_both_ends", trim_both_ends},\n',
                "new": '    {"trim_both_ends", trim_both_ends},\n    {"split_trailing_empty", split_trailing_empty},\n'
                '    {"split_empty_string", split_empty_string},\n',
            },
        ],
    },
    {
        "id": "cstrbuf__cstrbuf-22",
        "repo_dir": "cstrbuf",
        "form": "swebench",
        "test_cmd": C_CMD,
        "log_parser": "parse_log_googletest",
        "issue": 'str_trim keeps leading tabs and newlines.\n\n`str_trim("\\t\\thello", ...)` gives "\\t\\thello". '
        "Trailing whitespace of every kind is removed but only spaces are removed at the start; both ends "
        "should drop all whitespace (isspace).",
        "fix": [
            {
                "file": "src/strutil.c",
                "old": "    while (a < n && s[a] == ' ') a++;",
                "new": "    while (a < n && isspace((unsigned char)s[a])) a++;",
            }
        ],
        "tests": [
            {
                "file": "tests/test_strutil.c",
                "old": "const test_case strutil_tests[] = {",
                "new": 'TEST(trim_leading_tabs) {\n    char out[32];\n    CHECK(str_trim("\\t\\n hello", out, sizeof out) == 5);\n'
                '    CHECK_STR(out, "hello");\n}\n\nTEST(trim_all_space) {\n    char out[8];\n'
                '    CHECK(str_trim(" \\t\\n", out, sizeof out) == 0);\n    CHECK_STR(out, "");\n}\n\n'
                "const test_case strutil_tests[] = {",
            },
            {
                "file": "tests/test_strutil.c",
                "old": '    {"trim_both_ends", trim_both_ends},\n',
                "new": '    {"trim_both_ends", trim_both_ends},\n    {"trim_leading_tabs", trim_leading_tabs},\n'
                '    {"trim_all_space", trim_all_space},\n',
            },
        ],
    },
    {
        "id": "cstrbuf__cstrbuf-23",
        "repo_dir": "cstrbuf",
        "form": "swebench",
        "test_cmd": C_CMD,
        "log_parser": "parse_log_googletest",
        "issue": 'sb_insert cannot insert at the end.\n\n`sb_insert(&sb, sb.len, "x")` returns -1, so callers need a '
        "special case for appending. Inserting at position len (the end) should work like sb_append; "
        "positions beyond len are still an error.",
        "fix": [
            {
                "file": "src/strbuf.c",
                "old": "    if (pos >= sb->len) return -1;",
                "new": "    if (pos > sb->len) return -1;",
            }
        ],
        "tests": [
            {
                "file": "tests/test_strbuf.c",
                "old": "TEST(replace_words) {",
                "new": 'TEST(insert_at_end) {\n    strbuf sb;\n    sb_init(&sb, 0);\n    sb_append(&sb, "ab");\n'
                '    CHECK(sb_insert(&sb, 2, "cd") == 0);\n    CHECK_STR(sb.data, "abcd");\n'
                '    CHECK(sb_insert(&sb, 9, "x") == -1);\n    sb_free(&sb);\n}\n\nTEST(replace_words) {',
            },
            {
                "file": "tests/test_strbuf.c",
                "old": '    {"replace_words", replace_words},\n',
                "new": '    {"replace_words", replace_words},\n    {"insert_at_end", insert_at_end},\n',
            },
        ],
    },
]
