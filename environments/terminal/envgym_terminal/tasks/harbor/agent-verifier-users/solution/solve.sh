#!/bin/bash
id -un > /srv/shared/agent-user.txt
