#include <ctype.h>
#include <string.h>
#include "count.h"

void count_stream(FILE *f, struct stats *s) {
    char w[128]; int n = 0, c;
    memset(s, 0, sizeof *s);
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') s->lines++;
        if (isspace(c)) { if (n) { w[n] = 0; s->words++; if (strlen(w) > strlen(s->longest)) strcpy(s->longest, w); n = 0; } }
        else if (n < 127) w[n++] = (char)c;
    }
    if (n) { w[n] = 0; s->words++; if (strlen(w) > strlen(s->longest)) strcpy(s->longest, w); }
}
