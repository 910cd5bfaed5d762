#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    const char *style = getenv("GREETING_STYLE");
    const char *who = argc > 1 ? argv[1] : "world";
    printf("%s, %s!\n", style && strcmp(style, "loud") == 0 ? "HELLO" : "hello", who);
    return 0;
}
