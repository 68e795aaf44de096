# Uses math.exp, which only takes one number, so a list or an array of losses raises TypeError.
import math


def perplexity(mean_loss):
    return math.exp(mean_loss)
