"""JupyterHub configuration of `make hub`: the course on a local hub, as on a real one.

`make hub` (python -m grader.tools.hub) writes the state folder and starts
`jupyterhub -f hub/jupyterhub_config.py` with the LOGITLAB_HUB_* variables below set.
Every account is a separate Unix account with its own home; its single-user server
runs as that user (LocalProcessSpawner) from the course environment, with nothing of
the checkout `make hub` runs from in its environment. For a real hub,
README "Run it on a JupyterHub" says what to change (authenticator, subdomains with a
wildcard DNS name and certificate, the exchange in /srv/nbgrader/exchange).
"""

import os
import sys
from pathlib import Path

from jupyterhub.auth import DummyAuthenticator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # grader.tools.hub, from this checkout
from grader.tools import hub  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

STATE = Path(os.environ["LOGITLAB_HUB_STATE"])
PORT = int(os.environ.get("LOGITLAB_HUB_PORT", "8000"))
INSTRUCTOR = os.environ["LOGITLAB_HUB_INSTRUCTOR"]
STUDENTS = os.environ["LOGITLAB_HUB_STUDENTS"].split(",")
BIN = Path(os.environ["LOGITLAB_HUB_BIN"])  # the course environment: the single-user image
ETC = STATE / "etc"  # configuration every account reads (written by make hub)
PRIVATE = STATE / "private"  # the hub's database and secrets: root's only
GRADEBOOK = Path(os.environ["LOGITLAB_HUB_GRADEBOOK"])  # the instructor's course gradebook

# The proxy listens on loopback only. Each user gets an origin of their own
# (http://<user>.localhost:PORT): browsers send *.localhost to 127.0.0.1, and with
# separate origins the formgrader may be framed by the instructor's own JupyterLab
# (frame-ancestors 'self', see etc/instructor) without letting one user's pages
# frame another's.
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.subdomain_host = f"http://localhost:{PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [os.environ["LOGITLAB_HUB_PROXY"]]
c.JupyterHub.db_url = f"sqlite:///{PRIVATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(PRIVATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(PRIVATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(PRIVATE / "proxy.pid")


class CourseRoster(DummyAuthenticator):
    """The course gradebook is the list of students: one added there (formgrader's Manage
    Students, `python -m grader students add`) may log in, and gets a Unix account of
    this hub's at the first login."""

    def check_allowed(self, username, authentication=None):
        return super().check_allowed(username, authentication) or username in hub.roster(GRADEBOOK)

    def add_user(self, user):
        hub.account(user.name)
        return super().add_user(user)


# A shared password for the local accounts (in STATE/private/password, printed by make hub);
# a real hub uses PAM, LDAP or OAuth instead.
c.JupyterHub.authenticator_class = CourseRoster
c.DummyAuthenticator.password = (PRIVATE / "password").read_text().strip()
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}
c.Authenticator.admin_users = {INSTRUCTOR}

c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    # The course environment first, for the server and for terminals (etc/jupyter starts
    # them as plain, not login, shells, which would reset PATH): nbgrader runs `alembic`
    # from PATH, and the README's `python -m grader ...` and `nbgrader ...` need it.
    "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
    "LOGITLAB_EXCHANGE": str(STATE / "exchange"),
}
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # nothing of the hub's own environment (its .venv)
if os.environ.get("LOGITLAB_HUB_TEST_TOKEN"):
    # The browser test reads JupyterLab's state in the page, and starts every account's
    # server at once (as an admin's "Start All" would) through a service of its own.
    c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
    c.JupyterHub.services = [{"name": "loop-test", "api_token": os.environ["LOGITLAB_HUB_TEST_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "loop-test", "services": ["loop-test"], "scopes": ["servers"]}]


def _config_path(spawner):
    """Everyone reads STATE/etc/jupyter (the hub's /etc/jupyter: the course id, the
    exchange, terminals); students also get etc/student (the learner's lab: no
    formgrader, no create-assignment), the instructor etc/instructor (the formgrader's frame)."""
    own = ETC / ("instructor" if spawner.user.name == INSTRUCTOR else "student")
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(own), str(ETC / "jupyter")])


c.Spawner.pre_spawn_hook = _config_path
