# Writes ignore_index into the caller's targets instead of into a copy.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.asarray(targets)
    lengths = np.broadcast_to(prompt_lengths, masked.shape[:-1])
    masked[np.arange(masked.shape[-1]) < lengths[..., None]] = ignore_index
    return masked
