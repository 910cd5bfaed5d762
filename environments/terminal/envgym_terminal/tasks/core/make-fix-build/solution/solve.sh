#!/bin/bash
set -euo pipefail
printf 'CC = gcc\nCFLAGS = -Wall -O2\nOBJS = main.o geometry.o\n\ncalc: $(OBJS)\n\t$(CC) $(CFLAGS) -o calc $(OBJS) -lm\n\n%%.o: %%.c geometry.h\n\t$(CC) $(CFLAGS) -c $<\n\nclean:\n\trm -f calc *.o\n\n.PHONY: clean\n' > Makefile
make
