#ifndef CSTRBUF_H
#define CSTRBUF_H
#include <stddef.h>

typedef struct {
    char *data;   /* always NUL-terminated */
    size_t len;
    size_t cap;   /* bytes allocated, including the NUL */
} strbuf;

int sb_init(strbuf *sb, size_t cap);
void sb_free(strbuf *sb);
int sb_append(strbuf *sb, const char *text);
int sb_append_n(strbuf *sb, const char *text, size_t n);
int sb_insert(strbuf *sb, size_t pos, const char *text);
/* Replace every non-overlapping occurrence of needle, left to right; returns the count, -1 on error. */
int sb_replace_all(strbuf *sb, const char *needle, const char *with);

/* Split s on sep into at most max fields (copies, caller frees each); returns the field count. */
size_t str_split(const char *s, char sep, char **fields, size_t max);
/* Trim leading and trailing whitespace into out (size outsz); returns the trimmed length. */
size_t str_trim(const char *s, char *out, size_t outsz);

#endif
