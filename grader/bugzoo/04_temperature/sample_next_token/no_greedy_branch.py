# Divides by the temperature even when it is 0, so greedy decoding gives nan probabilities or a crash.
import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    z = z / temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    exps = np.exp(z - np.max(z))
    probs = exps / exps.sum()
    rng = np.random.default_rng(rng)
    return int(rng.choice(len(probs), p=probs))
