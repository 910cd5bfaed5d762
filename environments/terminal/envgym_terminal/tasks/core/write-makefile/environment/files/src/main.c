#include <stdio.h>
#include "count.h"
#include "report.h"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: wordstat FILE\n"); return 1; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 1; }
    struct stats s; count_stream(f, &s); fclose(f); report(&s);
    return 0;
}
