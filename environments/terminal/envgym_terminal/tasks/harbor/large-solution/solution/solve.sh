#!/bin/bash
# Harbor puts the solution at /solution; solve.sh refers to it by that path.
cp /solution/blob.bin blob.bin
