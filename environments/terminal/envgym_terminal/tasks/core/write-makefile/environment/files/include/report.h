#ifndef REPORT_H
#define REPORT_H
#include "count.h"
void report(const struct stats *s);
#endif
