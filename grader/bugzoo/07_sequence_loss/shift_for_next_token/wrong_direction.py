# Shifts the wrong way: the targets are the PREVIOUS tokens, the inputs the next ones.
import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens[..., 1:].copy(), tokens[..., :-1].copy()
