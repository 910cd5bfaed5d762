#ifndef COUNT_H
#define COUNT_H
#include <stdio.h>
struct stats { long lines, words; char longest[128]; };
void count_stream(FILE *f, struct stats *s);
#endif
