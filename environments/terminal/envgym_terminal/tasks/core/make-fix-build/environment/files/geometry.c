#include <math.h>
#include "geometry.h"

double hyp(double a, double b) { return sqrt(a * a + b * b); }
