#!/bin/bash
for note in alpha omega; do
  python3 -c "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request('http://notes:7000/note', data=sys.argv[1].encode(), method='POST'))" "$note"
done
