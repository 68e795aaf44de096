# Writes a hard-coded -100 instead of the ignore_index argument.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, masked.shape[:-1])
    masked[np.arange(masked.shape[-1]) < lengths[..., None]] = -100
    return masked
