import sys

with open(sys.argv[1]) as fh:
    print(len(fh.read().splitlines()))
