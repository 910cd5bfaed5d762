import csv
import sys


def load(path):
    with open(path) as fh:
        rows = list(csv.reader(fh))
    items = []
    for row in rows:
        name, qty, level = row
        items.append((name, qty, level))
    return items


def needs_reorder(items):
    out = [it for it in items if it[1] <= it[2]]
    return sorted(out, key=lambda it: it[2] - it[1])


if __name__ == "__main__":
    for name, qty, level in needs_reorder(load(sys.argv[1])):
        print(f"{name}: {qty}/{level}")
