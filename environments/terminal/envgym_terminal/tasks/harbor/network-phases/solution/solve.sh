#!/bin/bash
ls /sys/class/net | sort > interfaces.txt
