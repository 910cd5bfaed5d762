#!/bin/bash
python3 --version > version.txt 2>&1
