#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

extern const test_case strbuf_tests[];
extern const size_t strbuf_test_count;
extern const test_case strutil_tests[];
extern const size_t strutil_test_count;

int run_tests(const char *suite, const test_case *cases, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        printf("[ RUN      ] %s.%s\n", suite, cases[i].name);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            int failed = 0;
            cases[i].fn(&failed);
            fflush(stdout);
            _exit(failed ? 1 : 0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        printf(ok ? "[       OK ] %s.%s (0 ms)\n" : "[  FAILED  ] %s.%s (0 ms)\n", suite, cases[i].name);
        failures += !ok;
    }
    return failures;
}

int main(void) {
    int failures = run_tests("strbuf", strbuf_tests, strbuf_test_count)
                 + run_tests("strutil", strutil_tests, strutil_test_count);
    printf("%d test(s) failed\n", failures);
    return failures ? 1 : 0;
}
