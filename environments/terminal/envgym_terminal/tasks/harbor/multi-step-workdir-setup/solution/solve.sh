#!/bin/bash
./stage.sh > result.txt
