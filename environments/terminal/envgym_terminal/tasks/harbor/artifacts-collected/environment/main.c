#include <stdio.h>
int main(void) { puts("artifact"); return 0; }
