/* A tiny test harness printing googletest-style result lines; each test runs in its own process,
   so a crash fails that test only. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(int *failed);
typedef struct { const char *name; test_fn fn; } test_case;

#define TEST(name) static void name(int *failed_)
#define CHECK(cond) do { if (!(cond)) { printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    *failed_ = 1; return; } } while (0)
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

int run_tests(const char *suite, const test_case *cases, size_t n);
#endif
