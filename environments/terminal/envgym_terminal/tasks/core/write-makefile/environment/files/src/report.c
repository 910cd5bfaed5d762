#include <stdio.h>
#include "report.h"

void report(const struct stats *s) {
    printf("lines=%ld words=%ld longest=%s\n", s->lines, s->words, s->longest);
}
