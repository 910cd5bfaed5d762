#!/bin/bash
tail -n +2 inventory.csv | cut -d, -f2 | paste -sd+ | bc > total.txt
