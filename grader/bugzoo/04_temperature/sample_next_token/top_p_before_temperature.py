# Applies top-k and top-p to the raw logits and the temperature afterwards, so the nucleus ignores T.
import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return int(np.argmax(z))
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    probs = softmax_with_temperature(z, temperature)
    rng = np.random.default_rng(rng)
    return int(rng.choice(len(probs), p=probs))
