#!/bin/bash
tac names.txt > reversed.txt
