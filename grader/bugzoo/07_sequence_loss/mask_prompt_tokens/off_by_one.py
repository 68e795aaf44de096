# Masks prompt_lengths[b] - 1 positions, and for a length of 0 slices [:-1], masking almost all.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.array(targets)
    if masked.ndim == 1:
        masked[: int(prompt_lengths) - 1] = ignore_index
        return masked
    for b, n in enumerate(prompt_lengths):
        masked[b, : n - 1] = ignore_index
    return masked
