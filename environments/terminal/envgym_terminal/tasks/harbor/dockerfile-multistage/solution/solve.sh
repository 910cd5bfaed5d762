#!/bin/bash
greet harbor > greeting.txt
