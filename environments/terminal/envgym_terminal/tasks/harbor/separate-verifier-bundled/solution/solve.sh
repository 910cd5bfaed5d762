#!/bin/bash
printf %s envgym | sha256sum | cut -d' ' -f1 > /logs/artifacts/digest.txt
