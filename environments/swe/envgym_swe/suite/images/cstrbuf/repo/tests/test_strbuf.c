#include <stdlib.h>
#include "cstrbuf.h"
#include "check.h"

TEST(append_grows) {
    strbuf sb;
    CHECK(sb_init(&sb, 4) == 0);
    CHECK(sb_append(&sb, "hello, ") == 0);
    CHECK(sb_append(&sb, "world") == 0);
    CHECK_STR(sb.data, "hello, world");
    CHECK(sb.len == 12);
    sb_free(&sb);
}

TEST(insert_middle) {
    strbuf sb;
    sb_init(&sb, 0);
    sb_append(&sb, "held");
    CHECK(sb_insert(&sb, 2, "l") == 0);
    CHECK_STR(sb.data, "helld");
    sb_free(&sb);
}

TEST(replace_words) {
    strbuf sb;
    sb_init(&sb, 0);
    sb_append(&sb, "one fish two fish");
    CHECK(sb_replace_all(&sb, "fish", "cat") == 2);
    CHECK_STR(sb.data, "one cat two cat");
    sb_free(&sb);
}

TEST(replace_empty_needle) {
    strbuf sb;
    sb_init(&sb, 0);
    sb_append(&sb, "abc");
    CHECK(sb_replace_all(&sb, "", "x") == -1);
    sb_free(&sb);
}

const test_case strbuf_tests[] = {
    {"append_grows", append_grows},
    {"insert_middle", insert_middle},
    {"replace_words", replace_words},
    {"replace_empty_needle", replace_empty_needle},
};
const size_t strbuf_test_count = sizeof strbuf_tests / sizeof strbuf_tests[0];
