#!/bin/bash
set -euo pipefail
cat > Makefile <<'MK'
CC = gcc
CFLAGS = -Wall -O2 -Iinclude
SRCS = $(wildcard src/*.c)
OBJS = $(patsubst src/%.c,build/%.o,$(SRCS))

bin/wordstat: $(OBJS)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $(OBJS)

build/%.o: src/%.c
	@mkdir -p build
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(OBJS:.o=.d)

clean:
	rm -rf build bin

.PHONY: clean
MK
make
