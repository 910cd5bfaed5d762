#ifndef GEOMETRY_H
#define GEOMETRY_H
double hyp(double a, double b);
#endif
