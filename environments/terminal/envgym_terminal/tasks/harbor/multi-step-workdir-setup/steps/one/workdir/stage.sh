#!/bin/bash
echo "$(cat marker)-done"
