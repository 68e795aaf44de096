# Masks the completion (everything after the prompt) instead of the prompt.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.array(targets)
    lengths = np.broadcast_to(prompt_lengths, masked.shape[:-1])
    masked[np.arange(masked.shape[-1]) >= lengths[..., None]] = ignore_index
    return masked
