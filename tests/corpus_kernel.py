"""Correct answers that lean on what a Jupyter kernel offers beyond plain Python: each
must keep full marks, as it would run in the learner's own kernel. Same shape as
corpus_honest.HONEST. The kernel's syntax: magics anywhere a statement starts (and
operators that merely begin a continuation line, which are not magics), `obj?` help,
`!` shell lines, `%%time` cells, `get_ipython()`, `from __future__` imports that hold
for the rest of the cell, callbacks from threads, and progress bars on widgets.
"""

from __future__ import annotations

KERNEL: dict[tuple[str, str], dict] = {
    ("black-continuations-and-magics", "05_cross_entropy"): {
        "added": {},
        "cells": {
            "cross_entropy": '''%load_ext autoreload
import numpy as np


def cross_entropy(probs, target):
    probs = np.asarray(probs, dtype=np.float64)
    target = np.asarray(target)
    message = (
        "one integer target per row, from 0 to %d"
        % (probs.shape[-1] - 1)
    )
    if (
        target.shape
        != probs.shape[:-1]
        or not np.issubdtype(target.dtype, np.integer)
    ):
        raise ValueError(message)
    if ((target < 0) | (target >= probs.shape[-1])).any():
        raise ValueError(message)
    picked = np.take_along_axis(probs, target[..., None], axis=-1)
    with np.errstate(divide="ignore"):
        return float(np.mean(-np.log(picked)))


%time loss_here = cross_entropy([[0.25, 0.75]], [1])
print(loss_here)
''',
        },
    },
    ("future-annotations-and-shell", "02_softmax"): {
        "added": {},
        "cells": {
            "softmax": '''from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

%precision 3
!pip list | grep numpy
found = !ls
np.exp?


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    z = np.asarray(z)
    e = np.exp(z if np.issubdtype(z.dtype, np.floating) else z.astype(float))
    return e / e.sum(axis=axis, keepdims=True)
''',
        },
    },
    ("threads-and-timed-cell", "06_gradients"): {
        "added": {},
        "cells": {
            "numerical_gradient": '''%%time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x)
    base = x.astype(np.float64)

    def partial(idx):
        up, down = base.copy(), base.copy()
        up[idx] += eps
        down[idx] -= eps
        return idx, (f(up) - f(down)) / (2 * eps)

    grad = np.zeros_like(base)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for idx, value in pool.map(partial, list(np.ndindex(base.shape))):
            grad[idx] = value
    return grad.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
''',
        },
    },
    ("help-lines", "07_sequence_loss"): {
        "added": {},
        "cells": {
            "mask_prompt_tokens": '''import numpy as np
np.broadcast_to?


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    out = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, out.shape[:-1])
    out[np.arange(out.shape[-1]) < lengths[..., None]] = ignore_index
    return out
''',
        },
    },
    ("notebook-progress-bar", "09_training"): {
        "added": {},
        "cells": {
            "fit": '''import numpy as np
from tqdm.notebook import tqdm


def fit(X, y, num_classes, lr, steps, rng):
    X, y = np.asarray(X), np.asarray(y)
    W = rng.normal(scale=0.01, size=(X.shape[1], num_classes))
    b = np.zeros(num_classes)
    history = []
    for _ in tqdm(range(steps), desc="training", leave=False):
        W, b, loss = train_step(W, b, X, y, lr)
        history.append(loss)
    return W, b, history
''',
        },
    },
}
