"""``python -m course_utils.mnist``: download MNIST into the course's data root ahead of time.

Binder's ``postBuild`` runs this once, at build time, so that learners do
not wait for a download in lesson 07::

    python -m course_utils.mnist            # into the data root (COURSE_DATA_DIR, else data/)
    python -m course_utils.mnist --root DIR # somewhere else

Files already on disk are verified (size and MD5) and used as they are;
nothing is written (a read-only copy works). Without the files and without
a connection, with a damaged file, or a data root that does not exist, it
prints what is wrong and what to do and exits with status 1, never with a
traceback.
"""

import sys

from course_utils.mnist.files import main

sys.exit(main())
