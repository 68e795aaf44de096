# Masks every sequence up to the longest prompt in the batch, not its own prompt length.
import numpy as np


def mask_prompt_tokens(targets, prompt_lengths, ignore_index=-100):
    masked = np.array(targets)
    masked[..., : int(np.max(prompt_lengths))] = ignore_index
    return masked
