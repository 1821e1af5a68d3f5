import sys

import pytest
from hypothesis import given, settings

from micrograd_ext import Value, grad
from micrograd_ext.teach.steps import backward_steps

from ..strategies import moderate, programs, run


def lecture_neuron():
    x1, x2 = Value(2.0, label='x1'), Value(0.0, label='x2')
    w1, w2, b = Value(-3.0, label='w1'), Value(1.0, label='w2'), Value(6.8813735870195432, label='b')
    x1w1 = x1 * w1
    x1w1.label = 'x1*w1'
    x2w2 = x2 * w2
    x2w2.label = 'x2*w2'
    s = x1w1 + x2w2
    s.label = 's'
    n = s + b
    n.label = 'n'
    o = n.tanh()
    o.label = 'o'
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n)


def test_steps_run_in_backward_order_with_formulas_and_numbers():
    o, v = lecture_neuron()
    steps = backward_steps(o)
    assert len(steps) == 5
    first = next(steps)
    assert (first.index, first.total, first.op, first.name) == (1, 5, 'tanh', 'o')
    assert str(first) == 'step 1/5  o = tanh(n)  [tanh]  n.grad += (1 - o**2 = 0.5000) * 1.0000 = 0.5000'
    assert v['n'].grad == pytest.approx(0.5)  # applied when reached
    assert v['x1'].grad == 0.0  # not reached yet
    second = next(steps)
    assert str(second) == 'step 2/5  n = s + b  [+]  s.grad += 1 * 0.5000 = 0.5000 ;  b.grad += 1 * 0.5000 = 0.5000'
    assert [c.child_name for c in second.contributions] == ['s', 'b']
    rest = list(steps)
    assert [s.index for s in rest] == [3, 4, 5]
    assert '(x1*w1).grad += 1 * 0.5000' in str(rest[0])
    assert 'x1.grad += (w1 = -3.0000) * 0.5000 = -1.5000' in str(rest[-1])


def test_after_the_last_step_grads_equal_backward():
    o, v = lecture_neuron()
    list(o.backward_steps())
    stepped = {k: x.grad for k, x in v.items()}
    o2, v2 = lecture_neuron()
    o2.backward()
    assert stepped == {k: x.grad for k, x in v2.items()}


def test_a_reused_node_shows_its_running_total():
    x = Value(3.0, label='x')
    y = x * x + x
    y.label = 'y'
    texts = [str(s) for s in y.backward_steps()]
    assert texts[0] == 'step 1/2  y = v1 + x  [+]  v1.grad += 1 * 1.0000 = 1.0000 ;  x.grad += 1 * 1.0000 = 1.0000'
    assert texts[1].endswith('x.grad += (x = 3.0000) * 1.0000 = 3.0000 (total 4.0000) ;  '
                             'x.grad += (x = 3.0000) * 1.0000 = 3.0000 (total 7.0000)')
    assert x.grad == 7.0


def test_constants_are_named_c1_c2_and_shown_with_their_value():
    x = Value(2.0, label='x')
    y = 3 * x + 3
    y.label = 'y'
    steps = [str(step) for step in y.backward_steps()]
    assert steps == ['step 1/2  y = v1 + c2  [+]  v1.grad += 1 * 1.0000 = 1.0000 ;  c2.grad += 1 * 1.0000 = 1.0000',
                     'step 2/2  v1 = c1*x  [*]  c1.grad += (x = 2.0000) * 1.0000 = 2.0000 ;  '
                     'x.grad += (c1 = 3.0000) * 1.0000 = 3.0000']


@pytest.mark.parametrize('build, formula', [
    (lambda a, b: a / b, '1/b'), (lambda a, b: a ** b, 'b*a**(b - 1)'), (lambda a, b: a ** 3, '3*a**2'),
    (lambda a, b: a.exp(), 'out'), (lambda a, b: a.log(), '1/a'), (lambda a, b: a.sigmoid(), 'out*(1 - out)'),
    (lambda a, b: a.relu(), '[a > 0]'), (lambda a, b: -a, '-1'), (lambda a, b: a.sqrt(), '1/(2*out)'),
    (lambda a, b: Value.linear([a], [b], Value(0.5, label='c')), 'b'), (lambda a, b: abs(a), 'sign(a)'),
])
def test_every_op_has_a_readable_local_derivative(build, formula):
    a, b = Value(1.5, label='a'), Value(2.0, label='b')
    out = build(a, b)
    out.label = 'out'
    (step,) = list(out.backward_steps())
    assert step.contributions[0].formula == formula
    assert step.contributions[0].local == pytest.approx(out._local_grads[0])


def test_a_step_iterator_is_lazy_and_handles_100000_nodes():
    x = Value(1.0, label='x')
    y = x
    for _ in range(50_000):
        y = y * 1.0
    steps = y.backward_steps()
    assert len(steps) == 50_000
    assert next(steps).index == 1 and len(steps.done) == 1  # nothing else applied yet
    limit = sys.getrecursionlimit()
    for _ in steps:
        pass
    assert x.grad == 1.0 and sys.getrecursionlimit() == limit


@settings(max_examples=40, deadline=None)
@given(programs())
def test_stepping_gives_backwards_grads_on_random_graphs(program):
    leaves, steps = program
    moderate(steps, leaves)
    xs = [Value(v, label=f'x{i}') for i, v in enumerate(leaves)]
    out = run(steps, *xs)
    expected = grad(out, xs)
    if out._prev:
        for _ in out.backward_steps():
            pass
        assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_a_warning_before_the_first_step_when_leaves_already_hold_gradients():
    import warnings

    from micrograd_ext.teach.player import backward_frames
    from micrograd_ext.teach.steps import GradientsAddUpWarning
    x = Value(3.0, label='x')
    y = x * x
    y.label = 'y'
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a fresh graph: no warning
        list(y.backward_steps())
    steps = y.backward_steps()  # x.grad is 6 from the pass above
    with pytest.warns(GradientsAddUpWarning, match=r'1 of the leaves already hold gradients \(x.grad = 6.0000\).*'
                                                   r'call y.zero_grad\(\)'):
        next(steps)
    assert x.grad == 12.0  # the steps still do what backward() does: add
    with pytest.warns(GradientsAddUpWarning):
        frames = backward_frames(y)
    assert 'note: 1 of the leaves already hold gradients' in frames[0].text
    y.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert [s.index for s in y.backward_steps()] == [1]


def test_a_step_through_after_the_data_changed_says_so_and_stays_readable():
    import warnings

    from micrograd_ext.teach.steps import GradientsAddUpWarning
    x, w = Value(2.0, label='x'), Value(-3.0, label='w')
    y = x * w
    y.label = 'y'
    w.data -= 0.1  # an optimizer step on a graph that was not rebuilt
    with pytest.warns(GradientsAddUpWarning, match=r'the data changed since this graph was built \(y = x\*w no longer'
                                                   r' gives -6\.0000'):
        (step,) = list(y.backward_steps())
    assert str(step).startswith('step 1/1  y = x*w  [*]')
    assert 'the data changed since this graph was built' in str(y.explain(x))
    y2 = x * w
    y2.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        list(y2.backward_steps())  # a rebuilt graph: nothing to say


def test_the_advice_names_model_zero_grad_only_when_parameters_hold_the_grads():
    from micrograd_ext.learn.nn import Parameter
    from micrograd_ext.teach.steps import GradientsAddUpWarning
    w, x = Parameter(2.0, label='w'), Value(3.0, label='x')
    y = w * 2
    y.label = 'y'
    y.backward()
    with pytest.warns(GradientsAddUpWarning, match=r'call y\.zero_grad\(\) \(or model\.zero_grad\(\)\) first'):
        next(y.backward_steps())
    z = x * 2
    z.label = 'z'
    z.backward()
    with pytest.warns(GradientsAddUpWarning) as caught:
        next(z.backward_steps())
    assert 'call z.zero_grad() first' in str(caught[0].message) and 'model' not in str(caught[0].message)
    assert caught[0].filename == __file__  # the warning points at the user's line, not into the package


def test_a_step_shows_itself_as_its_line():
    x = Value(2.0, label='x')
    step = next((x * 3).backward_steps())
    assert repr(step) == str(step) and repr(step).startswith('step 1/1')
