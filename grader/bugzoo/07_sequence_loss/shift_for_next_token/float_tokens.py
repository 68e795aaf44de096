# Converts the token ids to float, so the targets can no longer index the vocabulary.
import numpy as np


def shift_for_next_token(tokens):
    tokens = np.asarray(tokens, dtype=float)
    return tokens[..., :-1], tokens[..., 1:]
