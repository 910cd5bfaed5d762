#!/bin/bash
echo two > marker
chmod +x stage.sh
