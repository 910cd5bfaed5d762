#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cstrbuf.h"

static char *copy_n(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (!out) return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

size_t str_split(const char *s, char sep, char **fields, size_t max) {
    size_t count = 0;
    const char *start = s;
    for (const char *p = s; ; p++) {
        if (*p == sep || *p == '\0') {
            if (count < max && (*p == sep || p > start)) {
                fields[count++] = copy_n(start, (size_t)(p - start));
            }
            if (*p == '\0') break;
            start = p + 1;
        }
    }
    return count;
}

size_t str_trim(const char *s, char *out, size_t outsz) {
    size_t n = strlen(s);
    size_t a = 0, b = n;
    while (a < n && s[a] == ' ') a++;
    while (b > a && isspace((unsigned char)s[b - 1])) b--;
    size_t len = b - a;
    if (outsz == 0) return len;
    if (len >= outsz) len = outsz - 1;
    memcpy(out, s + a, len);
    out[len] = '\0';
    return len;
}
