# Loops over range(prompt length), which runs past the end when a prompt is as long as the sequence.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.array(targets)
    if masked.ndim == 1:
        for t in range(prompt_lengths):
            masked[t] = ignore_index
        return masked
    for b, n in enumerate(prompt_lengths):
        for t in range(n):
            masked[b, t] = ignore_index
    return masked
