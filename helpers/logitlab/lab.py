"""A Jupyter server extension for the learner's lab: opening a notebook does not mark it
modified.

As soon as a notebook's kernel starts, JupyterLab writes the kernel's `language_info`
(the Python version, mimetype, ...) into the notebook's metadata; a notebook released
with less (or with another Python's version) is then marked as changed before the
learner has typed anything. This extension fills in the same `language_info` when the
server hands a Python notebook to JupyterLab, so nothing changes on open. It is enabled
by lab/jupyter/jupyter_server_config.json (`make lab` and the hub use that folder).
"""

from __future__ import annotations

import functools
import inspect


def _jupyter_server_extension_points():
    return [{"module": "logitlab.lab"}]


def kernel_language_info() -> dict:
    """What the default Python kernel (ipykernel, in the server's own environment) reports."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def with_language_info(model: dict, info: dict) -> dict:
    """`model` (a contents-API model) with `info` as its notebook's language_info, when it is a
    Python notebook's content; anything else is returned as it is."""
    content = model.get("content") if isinstance(model, dict) and model.get("type") == "notebook" else None
    metadata = getattr(content, "get", lambda _key: None)("metadata")
    if isinstance(metadata, dict) and metadata.get("kernelspec", {}).get("language", "python") == "python":
        metadata["language_info"] = dict(info)
    return model


def _load_jupyter_server_extension(serverapp) -> None:
    manager = serverapp.contents_manager
    original = manager.get
    info = kernel_language_info()
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def get(*args, **kwargs):
            return with_language_info(await original(*args, **kwargs), info)
    else:

        @functools.wraps(original)
        def get(*args, **kwargs):
            return with_language_info(original(*args, **kwargs), info)

    manager.get = get
    serverapp.log.info("logitlab.lab: notebooks open with the kernel's language_info (not marked modified)")
