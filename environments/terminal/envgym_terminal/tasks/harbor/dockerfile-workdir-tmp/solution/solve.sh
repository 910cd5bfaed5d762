#!/bin/bash
grep -c GET access.log > gets.txt
