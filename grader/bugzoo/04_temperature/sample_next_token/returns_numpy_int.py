# Returns np.argmax(...) and a draw from np.arange(V) as they come: numpy.int64, not a Python int.
import numpy as np


def sample_next_token(logits, temperature=1.0, top_k=None, top_p=None, rng=None):
    z = np.asarray(logits, dtype=np.float64)
    if temperature < 0:
        raise ValueError("temperature must be >= 0")
    if temperature == 0:
        return np.argmax(z)
    z = z / temperature
    if top_k is not None:
        z = top_k_filter(z, top_k)
    if top_p is not None:
        z = top_p_filter(z, top_p)
    probs = softmax_with_temperature(z, 1.0)
    rng = np.random.default_rng(rng)
    return rng.choice(np.arange(len(probs)), p=probs)
