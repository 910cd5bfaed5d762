#!/bin/bash
printf "item,count\napple,3\npear,5\n" > inventory.csv
