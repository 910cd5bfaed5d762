#!/bin/bash
echo one > marker
chmod +x stage.sh
