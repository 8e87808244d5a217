"""nbgrader configuration for the course (see docs/instructors.md).

The lesson notebooks in ``notebooks/`` are the *source* versions, with
solutions and hidden tests. With ``source_directory = "."`` the folder
``notebooks/`` itself is the nbgrader assignment ``notebooks``, so every
command names it::

    .venv/bin/nbgrader generate_assignment notebooks --force   # -> release/notebooks/
    .venv/bin/nbgrader autograde notebooks                      # submitted/<student>/notebooks/
    .venv/bin/nbgrader generate_feedback notebooks              # -> feedback/<student>/notebooks/
    .venv/bin/nbgrader export                                   # -> grades.csv

Run them from the repository root (where this file is). Everything they
create (release/, submitted/, autograded/, feedback/, gradebook.db,
grades.csv) is git-ignored.
"""

import os
import sys

from nbconvert.preprocessors import Preprocessor
from nbgrader import preprocessors as nbgp
from traitlets import Bool

# nbgrader runs the `alembic` tool of its own environment to set up the
# gradebook database; find it even when the virtual environment is not
# activated (e.g. `.venv/bin/nbgrader ...` from a fresh shell).
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")


class StripRunMetadata(Preprocessor):
    """Drop what only records a past run: cell execution timestamps, saved widget state.

    The lesson notebooks are committed executed, so their metadata changes at
    every re-execution. Without it the student versions depend only on the
    cells' sources, and regenerating them gives identical files.
    """

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        return nb, resources


c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

# The assignment "notebooks" is the folder notebooks/ at the repository root.
c.CourseDirectory.source_directory = "."
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# Files the notebooks write (saved models) are not part of the assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.pt"]

# The student version: nbgrader's own steps, then the run metadata removed.
c.GenerateAssignment.preprocessors = [
    nbgp.IncludeHeaderFooter,
    nbgp.InstantiateTests,
    nbgp.LockCells,
    nbgp.ClearSolutions,
    nbgp.ClearOutput,
    StripRunMetadata,
    nbgp.CheckCellMetadata,
    nbgp.ComputeChecksums,
    nbgp.SaveCells,
    nbgp.ClearHiddenTests,
    nbgp.ClearMarkScheme,
    nbgp.ComputeChecksums,
    nbgp.CheckCellMetadata,
]

# Autograding runs every cell of a lesson, training included (lesson 07 trains
# on MNIST): allow each cell up to 10 minutes, as the notebook tests do.
# A submission stuck in an endless loop is interrupted after this time; its
# remaining cells still run and the other submissions are graded as usual.
c.Execute.timeout = 600
