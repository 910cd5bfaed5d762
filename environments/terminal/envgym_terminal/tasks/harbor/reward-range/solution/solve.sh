#!/bin/bash
printf "%s\n" gamma alpha delta beta | sort > words.txt
