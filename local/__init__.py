"""The local stack: `make run` serves the API the way API Gateway and Lambda would, without Docker or AWS.

Never deployed. `template.yaml` is the single source of the tables, functions and routes it serves.
"""

import sys

from local.paths import SHARED_DIR

# `shared/` is the functions' layer: on the path as it is in Lambda, also when the package is not installed.
if str(SHARED_DIR) not in sys.path:
    sys.path.insert(0, str(SHARED_DIR))
