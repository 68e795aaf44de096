# %% [markdown]
# # 00 · Welcome to Logits to Loss
#
# This course follows a classifier's output, and a language model's, from the raw
# scores it produces (**logits**) to the single number that trains it (**the loss**):
# softmax, numerical stability, temperature and sampling, cross-entropy, its gradient,
# next-token loss, attention, a training loop, PyTorch, and what changes at the scale
# of a large language model. You implement every piece yourself, in numpy.
#
# This first notebook has no graded exercise. It shows how the course works.
#
# **By the end of this notebook you can**
# - check that your Jupyter kernel is the course environment;
# - find the exercises in a notebook and say which cells are graded;
# - run a check on your function and read its report;
# - use the live widgets, follow your progress, and submit a notebook for grading.

# %% nbgrader={"grade_id": "setup", "locked": true}
import sys

import ipywidgets
import numpy as np

import logitlab
from logitlab import course_map
from logitlab.checks import run
from logitlab.quiz import quiz
from logitlab.widgets.logits import logit_explorer

# %% [markdown]
# ## 1. Is this the course environment?
#
# If the cell above ran without an error, your kernel can import `logitlab`, the
# course's helper package: checks, widgets and progress tracking. The cell below
# prints the versions in use; quote them if you ask for help.

# %%
print("Python    :", sys.version.split()[0])
print("numpy     :", np.__version__)
print("ipywidgets:", ipywidgets.__version__)
print("logitlab  :", logitlab.__version__)

# %% [markdown]
# ## 2. How a notebook is organised
#
# Every notebook follows the same plan:
#
# 1. **Learning objectives**, at the top.
# 2. **Explanations and worked examples.** Run every code cell (Shift+Enter). The
#    examples print small numbers you can check by hand; do check a few.
# 3. **Exercises.** Each one is a function whose body is
#    `raise NotImplementedError()`. Replace that line with your code, keep the
#    function's name and arguments, and run the cell. Stuck? The `hints(...)` cell
#    just before it reveals hints one at a time: the idea, the numpy tool, then the
#    shape of the computation.
# 4. **A check cell**, `check("name", name)`, right after each exercise. It runs your
#    function on a series of cases and, for every case that fails, says what is
#    *probably* wrong.
# 5. **Graded test cells**, grey and locked, after the check. They run the same
#    checks: while you work, each says `PASS` in one line or shows what is wrong,
#    and Run All carries on below it. Only when your notebook is graded does a
#    failing test cell stop with an `AssertionError` (and score 0).
# 6. **A live widget** that runs your function as you move sliders.
# 7. **Common pitfalls** (symptom, likely cause, fix), a **self-check quiz**, and a
#    pointer to the next notebook.

# %% [markdown]
# ## 3. What a check tells you
#
# Here is a first attempt at a function you will write in 01: `is_distribution(p)`
# should say whether `p` is a probability distribution (entries $\ge 0$ that add up
# to 1). This draft has a few mistakes. We run the checks on it with `run`, which
# shows the report without recording anything in your progress (in the exercises
# you will use `check`, which records it).

# %%
def is_distribution_draft(p, axis=-1, atol=1e-6):
    """A first attempt: does `p` add up to 1?"""
    return sum(p) == 1


run("is_distribution", is_distribution_draft)

# %% [markdown]
# Each line is one case. A failing case names the misconception ("compare the sum
# with 1 within atol, never with =="), not the expected answer: the point is to find
# the fix yourself. An unfinished exercise gives a single, clear message:

# %%
def predicted_label_draft(logits, labels):
    """An exercise as you first find it: the body is still to be written."""
    raise NotImplementedError()


run("predicted_label", predicted_label_draft)

# %% [markdown]
# ## 4. How your work is graded
#
# The notebooks are graded with [nbgrader](https://nbgrader.readthedocs.io). Three
# kinds of cells matter:
#
# | cell | what you do | what grading does |
# |---|---|---|
# | an exercise (`# YOUR CODE HERE`) | write the function there | runs it |
# | a test cell (grey, locked) | run it to see if you pass | restores it if edited, then runs it |
# | any other cell | run and experiment freely | runs it; only the test cells score |
#
# Each graded function has two test cells, each worth points: the core checks and the
# edge cases. When your notebook is graded, the edge-case cell also runs **hidden
# tests**: more of the same kind (batches, other axes, Python lists, float32 input,
# huge logits, `-inf`, and whether your function changed its input). A function
# that passes its checks for the right reasons passes those too.
#
# Before you submit:
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Grading runs your notebook from
#    top to bottom in a fresh kernel, so a function that only works thanks to a
#    cell you later deleted will fail there. Widgets are skipped while grading.
# 2. Check that no cell takes more than a few seconds: each cell has a time limit.
# 3. Keep the file name, the function names and every cell. Do not copy test cells.
# 4. Submit as your instructor asks: the **Submit** button of the Assignments tab on a
#    hub that runs nbgrader, or upload the `.ipynb` file. Only the notebook is graded;
#    other files you add are ignored.
#
# Write your own code: a graded function that merely imports an answer from
# somewhere else is flagged for your instructor.

# %% [markdown]
# ## 5. Widgets run your code
#
# Each notebook has at least one live widget. Widgets never compute the answers to
# the exercises themselves: they call *your* functions, so they show what your code
# does. The explorer below comes from 01. It is given a lazy draft of
# `predicted_label` that always answers the first label. Move the sliders until
# "dog" has the largest score and see the draft get it wrong; in 01 you will write a
# version that gets it right.

# %%
def lazy_predicted_label(logits, labels):
    return labels[0]


logit_explorer(lazy_predicted_label, logits=[2.0, 1.0, 0.1], labels=["cat", "dog", "bird"])

# %% [markdown]
# ## 6. Your progress
#
# Each time you run `check(...)` on a function you have written, the result is saved
# on your computer (in `~/.logitlab/progress.json`, or in the folder named by the
# `LOGITLAB_HOME` environment variable); a function that is still
# `raise NotImplementedError()` records nothing. Each quiz saves your best score: 75%
# passes it. A notebook is **complete** when all its exercises pass and its quiz is
# passed. The course map shows, for every notebook, the exercises passed, the quiz
# score and whether it is complete. Run this cell again at any time, from any notebook.
# Quizzes and the course map are for you: they never count towards a grade.

# %%
course_map()

# %% [markdown]
# ## 7. Common pitfalls and troubleshooting
#
# | symptom | likely cause | fix |
# |---|---|---|
# | `ModuleNotFoundError: No module named 'logitlab'` | the kernel is not the course environment | pick the kernel of the course's `.venv` (Kernel → Change Kernel), or start Jupyter with `make lab` |
# | a widget shows as text such as `VBox(children=...)` | the page loaded before ipywidgets was installed, or the notebook is not trusted | reload the page; on Colab enable the custom widget manager |
# | a check says your function "is not implemented yet" | the exercise cell was not re-run after editing, or you edited another cell | run the exercise cell, then the check again |
# | a cell stays at `[*]` and nothing happens | your function is stuck in a loop that never ends (checks and widgets stop it after 5 s with a message; your own cells are not stopped) | Kernel → Interrupt Kernel (or press `I`, `I` in command mode), fix the loop, run the function's cell again |
# | `NameError: name 'softmax' is not defined` | the cell that defines it has not run in this kernel | run the notebook from the top (Run All) |
# | your checks pass but the grade is lower | the hidden tests found a case your function mishandles (batch, axis, list, float32, `-inf`, huge logits, a modified input) | re-read the exercise's bullet points; test those cases yourself |
# | a test cell cannot be edited | test cells are locked on purpose | edit only the exercise cells |
# | the course map shows nothing done | progress is saved by `check(...)` and the quizzes, not by the test cells | run the `check` cell of each exercise and answer the quiz |

# %% [markdown]
# ## 8. Self-check

# %%
quiz("00_welcome")

# %% [markdown]
# ## Next
#
# Open [**01_logits**](../01_logits/01_logits.ipynb): what logits are, why they are not probabilities, and your
# first two exercises.
