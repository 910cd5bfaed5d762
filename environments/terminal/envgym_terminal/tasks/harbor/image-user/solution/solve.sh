#!/bin/bash
id -un > owned.txt
