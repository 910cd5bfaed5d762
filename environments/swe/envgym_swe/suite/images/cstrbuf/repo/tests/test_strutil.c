#include <stdlib.h>
#include "cstrbuf.h"
#include "check.h"

TEST(split_basic) {
    char *f[8];
    size_t n = str_split("a,b,c", ',', f, 8);
    CHECK(n == 3);
    CHECK_STR(f[0], "a");
    CHECK_STR(f[2], "c");
    for (size_t i = 0; i < n; i++) free(f[i]);
}

TEST(split_max) {
    char *f[2];
    size_t n = str_split("a,b,c", ',', f, 2);
    CHECK(n == 2);
    for (size_t i = 0; i < n; i++) free(f[i]);
}

TEST(trim_both_ends) {
    char out[32];
    CHECK(str_trim("  hi there \n", out, sizeof out) == 8);
    CHECK_STR(out, "hi there");
}

const test_case strutil_tests[] = {
    {"split_basic", split_basic},
    {"split_max", split_max},
    {"trim_both_ends", trim_both_ends},
};
const size_t strutil_test_count = sizeof strutil_tests / sizeof strutil_tests[0];
