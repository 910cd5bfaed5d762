#!/bin/bash
set -euo pipefail
mkdir -p bin secrets docs
printf '#!/bin/sh\necho deploy\n' > bin/deploy.sh
printf '#!/bin/sh\necho backup\n' > bin/backup.sh
printf '#!/bin/sh\necho report\n' > bin/report
chmod 644 bin/deploy.sh bin/report; chmod 640 bin/backup.sh
echo 'token=abc' > secrets/api.env; echo 'key' > secrets/id_ed25519
chmod 755 secrets; chmod 644 secrets/api.env secrets/id_ed25519
echo hi > docs/readme.txt; chmod 644 docs/readme.txt
