#include <stdlib.h>
#include <string.h>
#include "cstrbuf.h"

static int grow(strbuf *sb, size_t need) {
    if (need <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 16;
    while (cap < need) cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) return -1;
    sb->data = p;
    sb->cap = cap;
    return 0;
}

int sb_init(strbuf *sb, size_t cap) {
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    if (grow(sb, cap ? cap : 1) != 0) return -1;
    sb->data[0] = '\0';
    return 0;
}

void sb_free(strbuf *sb) {
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

int sb_append_n(strbuf *sb, const char *text, size_t n) {
    if (grow(sb, sb->len + n + 1) != 0) return -1;
    memcpy(sb->data + sb->len, text, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_append(strbuf *sb, const char *text) {
    return sb_append_n(sb, text, strlen(text));
}

int sb_insert(strbuf *sb, size_t pos, const char *text) {
    size_t n = strlen(text);
    if (pos >= sb->len) return -1;
    if (grow(sb, sb->len + n + 1) != 0) return -1;
    memmove(sb->data + pos + n, sb->data + pos, sb->len - pos + 1);
    memcpy(sb->data + pos, text, n);
    sb->len += n;
    return 0;
}

int sb_replace_all(strbuf *sb, const char *needle, const char *with) {
    size_t nlen = strlen(needle);
    if (nlen == 0) return -1;
    strbuf out;
    if (sb_init(&out, sb->len + 1) != 0) return -1;
    int count = 0;
    const char *p = sb->data;
    const char *hit;
    while ((hit = strstr(p, needle)) != NULL) {
        if (sb_append_n(&out, p, (size_t)(hit - p)) != 0 || sb_append(&out, with) != 0) {
            sb_free(&out);
            return -1;
        }
        count++;
        p = hit + nlen;
    }
    if (sb_append(&out, p) != 0) {
        sb_free(&out);
        return -1;
    }
    sb_free(sb);
    *sb = out;
    return count;
}
