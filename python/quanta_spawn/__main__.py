"""Entry point: `python3 -I -S path/to/quanta_spawn/__main__.py` (how SpawnerPool starts it).

Run as a file under -I the package's parent is not on sys.path: put it there, then import the
package absolutely, so `python3 -m quanta_spawn` works the same.
"""

import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from quanta_spawn.spawner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
