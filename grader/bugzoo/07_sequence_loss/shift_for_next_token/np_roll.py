# Uses np.roll, which keeps T positions and wraps the first token around as the last target.
import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens.copy(), np.roll(tokens, -1, axis=-1)
