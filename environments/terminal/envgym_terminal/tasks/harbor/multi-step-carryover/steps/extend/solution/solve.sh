#!/bin/bash
echo plum,4 >> inventory.csv
