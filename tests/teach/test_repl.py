"""A student's session: a real interactive ``python -i``, driven with pexpect."""
import os
import sys

import pexpect

import micrograd_ext

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(micrograd_ext.__file__)))


def test_stepping_through_backprop_in_an_interactive_session():
    repl = pexpect.spawn(sys.executable, ['-i', '-q'], encoding='utf-8', timeout=30,
                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT, 'TERM': 'dumb', 'PYTHON_BASIC_REPL': '1'})
    try:
        repl.expect('>>> ')
        for line in ["from micrograd_ext import Value",
                     "x = Value(2.0, label='x'); w = Value(-3.0, label='w'); b = Value(6.88, label='b')",
                     "n = x*w + b; n.label = 'n'", "y = n.tanh(); y.label = 'y'",
                     "steps = y.backward_steps()"]:
            repl.sendline(line)
            repl.expect('>>> ')
        repl.sendline('print(next(steps))')
        repl.expect(r'step 1/3  y = tanh\(n\)  \[tanh\]  n\.grad \+= \(1 - y\*\*2 = 0\.5010\) \* 1\.0000 = 0\.5010')
        repl.expect('>>> ')
        repl.sendline('next(steps)')  # echoed in the REPL as the step's line, as print() shows it
        repl.expect(r'step 2/3  n = v1 \+ b  \[\+\]  v1\.grad \+= 1 \* 0\.5010')
        repl.expect('>>> ')
        repl.sendline('print(steps.done[-1])')
        repl.expect(r'step 2/3  n = v1 \+ b  \[\+\]')
        repl.expect('>>> ')
        repl.sendline('x.grad, b.grad')
        repl.expect(r'\(0\.0, 0\.50')
        repl.expect('>>> ')
        repl.sendline('for s in steps: print(s)')
        repl.sendline('')
        repl.expect(r'step 3/3  v1 = x\*w')
        repl.expect('>>> ')
        repl.sendline("x2 = Value(2.0); w2 = Value(-3.0); y2 = (x2*w2 + 6.88).tanh(); y2.backward()")
        repl.expect('>>> ')
        repl.sendline("print(x.grad == x2.grad, w.grad == w2.grad)")
        repl.expect('True True')
        repl.expect('>>> ')
        repl.sendline('print(y.explain(x))')
        repl.expect('they match')
        repl.expect('>>> ')
        repl.sendline('exit()')
        repl.expect(pexpect.EOF)
    finally:
        repl.close()


def test_a_student_who_runs_backward_twice_is_told_why_the_grad_doubled():
    repl = pexpect.spawn(sys.executable, ['-i', '-q'], encoding='utf-8', timeout=30,
                         env={**os.environ, 'PYTHONPATH': PACKAGE_PARENT, 'TERM': 'dumb', 'PYTHON_BASIC_REPL': '1'})
    try:
        repl.expect('>>> ')
        for line in ["from micrograd_ext import Value", "x = Value(2.0, label='x')", "y = x * x + 3; y.label = 'y'",
                     "y.backward()", "y.backward()"]:
            repl.sendline(line)
            repl.expect('>>> ')
        repl.sendline('x.grad')
        repl.expect(r'8\.0')
        repl.expect('>>> ')
        repl.sendline('print(y.explain(x))')
        repl.expect(r"x\.grad holds 8\.0000, 2 times the paths' total")
        repl.expect(r'call y\.zero_grad\(\)')
        repl.expect('>>> ')
        repl.sendline('steps = y.backward_steps(); print(next(steps))')
        repl.expect(r'step 1/2  y = v1 \+ c1.*\n>>> ')
        shown = repl.before + repl.after  # the warning (stderr) and the step (stdout), in whichever order
        assert 'GradientsAddUpWarning: 2 of the leaves already hold gradients (x.grad = 8.0000, c1.grad = 2.0000)' in shown
        repl.sendline('from micrograd_ext.viz.table import graph_table; print(graph_table(y))')
        repl.expect(r'x\s+2\.0000\s+8\.0000 \(stale\)')
        repl.expect('>>> ')
        repl.sendline('exit()')
        repl.expect(pexpect.EOF)
    finally:
        repl.close()
