# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The classroom: a notebook per student, a key, and grading the whole class
#
# For teachers. The exercise bank follows the seed articles from one neuron by hand to training. Each student
# gets numbers of their own (drawn from a hash of their id), so a neighbour's answers do not fit; each
# checker answers in words (which input failed, expected vs given, a hint naming the likely mistake).
# The same steps from the command line are at the end.

# %%
from micrograd_ext.classroom import BANK, Sheet, diagnose, write_notebooks
for number, entry in enumerate(BANK.values(), 1):
    print(f'{number:>2}. {entry.name:<24} {entry.points} points  {entry.title}')
print(sum(entry.points for entry in BANK.values()), 'points in all')

# %% [markdown]
# ## Each student's numbers
#
# `write_notebooks` writes `ID.ipynb` per student, without solutions; the student id is kept in the notebook's
# metadata, and grading reads it from there. Ada's and Bob's layer exercise:

# %%
import json, os, tempfile
folder = tempfile.mkdtemp()
handout = write_notebooks(['ada', 'bob', 'cy'], os.path.join(folder, 'handout'))
print([os.path.basename(path) for path in handout])
print(json.load(open(handout[0]))['metadata']['micrograd_ext'])
print(Sheet('ada').numbers('layer'))
print(Sheet('bob').numbers('layer'))

# %% [markdown]
# In the notebook, the student writes an answer and runs the check below it. Ada forgets the bias:

# %%
x, W, b = Sheet('ada').numbers('layer').values()
z = [W[0][0] * x[0] + W[0][1] * x[1], W[1][0] * x[0] + W[1][1] * x[1]]
Sheet('ada').check('layer', z)

# %% [markdown]
# ## Which step went wrong
#
# `diagnose` compares a student's backward pass (or a table of hand-computed gradients) with the engine and
# stops at the first node, in backward order, where they part, naming the mistake. A backward pass written with
# `=` instead of `+=`, on a graph where `a` is used twice:

# %%
from micrograd_ext import topological_order
from micrograd_ext.exercises import lecture_graph

def backward(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad = local * node.grad   # = where the chain rule needs +=

out, nodes = lecture_graph()
wrong = diagnose(out, backward)
print(wrong.category)
print(wrong)

# %% [markdown]
# ## Grading the class
#
# Three submissions: Ada solved everything, Bob handed his notebook in untouched, and Cy copied Ada's answer
# cells into his own notebook. `grade` runs each file in a sandbox of its own (bubblewrap: no network, none of
# the teacher's files, time, memory and process limits), where a report cell after each exercise sends the
# student's answers out as plain data; this process judges them against the student in the metadata. So Cy's
# copied numbers fail, the feedback says whose numbers they fit, and his row is flagged `copy`.

# %%
from micrograd_ext.classroom import exercise_notebook
from micrograd_ext.classroom.gradebook import gradebook, summary
from micrograd_ext.classroom.grading import grade
from micrograd_ext.classroom.notebooks import cell_role
from micrograd_ext.classroom.sandbox import NoSandbox, Sandbox

try:
    sandbox = Sandbox('bwrap')
except NoSandbox:  # no bubblewrap here: these three notebooks are our own, so running them unconfined is safe
    sandbox = Sandbox('none')

os.chdir(folder)  # the gradebook names the files as given: submitted/ada.ipynb, ...
os.makedirs('submitted')
ada = exercise_notebook('ada', solutions=True)
ada['metadata']['micrograd_ext']['solutions'] = False  # as if Ada had typed the key's answers
cy = exercise_notebook('cy')
answers = {cell_role(c): c['source'] for c in ada['cells'] if cell_role(c)}
for cell in cy['cells']:
    cell['source'] = answers.get(cell_role(cell), cell['source'])
for name, notebook in [('ada', ada), ('cy', cy)]:
    json.dump(notebook, open(f'submitted/{name}.ipynb', 'w'))
json.dump(json.load(open(handout[1])), open('submitted/bob.ipynb', 'w'))

results = grade(['submitted/ada.ipynb', 'submitted/bob.ipynb', 'submitted/cy.ipynb'], timeout=10,
                sandbox=sandbox)
print(summary(results))

# %% [markdown]
# The gradebook has one row per file: its points per exercise, its flags and the feedback. A `copy` (like a
# handed-in `key`, or two files for one student) holds the score at 0 until the teacher decides; the exercise
# columns keep the points earned. The command line appends each row as its notebook is graded, so a killed
# grader loses nothing and, run again, grades only what is missing.

# %%
import csv, io
rows = list(csv.DictReader(io.StringIO(gradebook(results))))
for row in rows:
    earned = sum(int(row[name]) for name in BANK)
    print(os.path.basename(row['file']), row['student'], row['score'], '/', row['max_score'],
          f"(earned {earned})", row['flags'])
print(rows[2]['feedback'][:400])

# %% [markdown]
# ## The same from the command line
#
# ```bash
# micrograd-ext exercises list
# micrograd-ext exercises new --roster roster.txt -o handout     # handout/ID.ipynb, one per line of roster.txt
# micrograd-ext exercises key --roster roster.txt -o key         # the solved notebooks, for the teacher
# micrograd-ext grade submissions/*.ipynb --csv grades.csv --roster roster.txt --timeout 10
# micrograd-ext exercises gradescope -o autograder.zip           # the same grader on Gradescope
# ```
#
# Grading keeps going whatever a submission does (a loop, a crash, `os._exit`, a flood of output, a corrupt
# file, an attack on the grader); each of those gets its row and its feedback, and nothing it does reaches the
# other rows. Keep the key and the roster private; where bubblewrap cannot run, `grade` refuses, and
# `--no-sandbox` (for notebooks you trust) says that grades can then be forged.
#
# ## Predict, then reveal
#
# Before each backward step, the student types the gradient it will add; a wrong answer shows the local
# derivative and the chain-rule product. In a terminal: `micrograd-ext quiz "x*w + b" --set x=2 w=-3 b=1`;
# in Python: `y.backward_steps(quiz=True)`; in a notebook, the player with an answer box before each step:

# %%
from micrograd_ext import Value
x, w, b = Value(2.0, label='x'), Value(-3.0, label='w'), Value(1.0, label='b')
y = x * w + b; y.label = 'y'
y.show_backward(quiz=True)
