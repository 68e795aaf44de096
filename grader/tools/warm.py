"""Work every nbgrader run would repeat, done once in the grading fork server.

Imported only as a fork-server preload (grader/core/forks.py): every grading process
is forked from the server afterwards and inherits what is computed here.
- A new gradebook asks the `alembic` command line for the schema's head revision, a
  2.5 s process start for one fixed string; it is read once, in process, instead.
- nbformat compiles its JSON-schema validators and SQLAlchemy its mappers and
  statements on first use; both are done here, on a throwaway in-memory gradebook.
- jupyter_client finds its kernel provisioners through package entry points.
"""

from __future__ import annotations

import functools

import nbformat
import nbgrader.api
from alembic.config import Config
from alembic.script import ScriptDirectory
from jupyter_client.provisioning import KernelProvisionerFactory
from nbgrader.dbutil import _temp_alembic_ini


@functools.cache
def alembic_head() -> str:
    """The revision nbgrader stamps on a new gradebook (what `alembic heads` prints)."""
    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        return ScriptDirectory.from_config(Config(ini)).get_current_head()


def warm() -> None:
    nbgrader.api.get_alembic_version = alembic_head
    alembic_head()
    for relax in (False, True):
        nbformat.validator.get_validator(4, nbformat.v4.nbformat_minor, relax_add_props=relax)
    with nbgrader.api.Gradebook("sqlite://") as gb:
        gb.add_assignment("warm")
        gb.add_student("warm")
        gb.find_assignment("warm")
    KernelProvisionerFactory.instance().provisioners["local-provisioner"].load()


warm()
