#include <stdio.h>
#include <stdlib.h>
#include "geometry.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: calc A B\n"); return 1; }
    printf("hypot=%.3f\n", hyp(atof(argv[1]), atof(argv[2])));
    return 0;
}
