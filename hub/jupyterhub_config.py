"""JupyterHub configuration of `make hub`: the course on a local hub, as on a real one.

`make hub` (python -m grader.tools.hub) writes the state folder and starts
`jupyterhub -f hub/jupyterhub_config.py` with the LOGITLAB_HUB_* variables below set.
Every account is a separate Unix account with its own home; its single-user server
runs as that user (LocalProcessSpawner) from the course environment. For a real hub,
README "Run it on a JupyterHub" says what to change (authenticator, subdomains with a
wildcard DNS name and certificate, the exchange in /srv/nbgrader/exchange).
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

STATE = Path(os.environ["LOGITLAB_HUB_STATE"])
PORT = int(os.environ.get("LOGITLAB_HUB_PORT", "8000"))
INSTRUCTOR = os.environ["LOGITLAB_HUB_INSTRUCTOR"]
STUDENTS = os.environ["LOGITLAB_HUB_STUDENTS"].split(",")
BIN = Path(os.environ["LOGITLAB_HUB_BIN"])  # the course environment: the single-user image
REPO = Path(os.environ["LOGITLAB_HUB_REPO"])  # this repository: who gets which extensions

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
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# A shared password for the local accounts (in STATE/password, printed by make hub);
# a real hub uses PAM, LDAP or OAuth instead.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = (STATE / "password").read_text().strip()
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}
c.Authenticator.admin_users = {INSTRUCTOR}

c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    # nbgrader runs `alembic` from PATH; kernels are the environment's python.
    "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
    "LOGITLAB_EXCHANGE": str(STATE / "exchange"),
}
if os.environ.get("LOGITLAB_HUB_TEST_TOKEN"):
    # The browser test reads JupyterLab's state in the page, and starts every account's
    # server at once (as an admin's "Start All" would) through a service of its own.
    c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
    c.JupyterHub.services = [{"name": "loop-test", "api_token": os.environ["LOGITLAB_HUB_TEST_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "loop-test", "services": ["loop-test"], "scopes": ["servers"]}]


def _config_path(spawner):
    """Everyone reads STATE/etc/jupyter (the hub's /etc/jupyter: the course id and the
    exchange); students also get lab/jupyter (the learner's lab: no formgrader, no
    create-assignment), the instructor hub/etc/instructor (the formgrader's frame)."""
    own = REPO / "hub" / "etc" / "instructor" if spawner.user.name == INSTRUCTOR else REPO / "lab" / "jupyter"
    spawner.environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(own), str(STATE / "etc" / "jupyter")])


c.Spawner.pre_spawn_hook = _config_path
