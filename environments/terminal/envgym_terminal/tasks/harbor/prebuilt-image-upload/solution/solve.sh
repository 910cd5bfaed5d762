#!/bin/bash
sed -i '/^\[server\]/,/^\[/ s/^port = .*/port = 8088/' config/app.ini
