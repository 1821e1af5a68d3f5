"""ValueArrays (compiled/arrays.py): Values whose numbers live in NumPy arrays, and still read, write, compute,
copy, pickle, save and draw as before."""
import copy
import pickle

import numpy as np
import pytest

from micrograd_ext import Value, compiled
from micrograd_ext.compiled import arrays as value_arrays
from micrograd_ext.compiled.arrays import ValueArrays, arrays_for, arrays_of, is_bound, locate
from micrograd_ext.learn.loading import load_model
from micrograd_ext.learn.nn import MLP, Parameter
from micrograd_ext.viz.draw import draw_dot


def test_bound_values_read_and_write_their_elements_as_python_floats():
    a, b = Value(1.5, label='a'), Parameter(-2.0, label='b')
    b.grad = 0.25
    arrays = ValueArrays([a, b])
    assert arrays.data.dtype == np.float64 and arrays.data.tolist() == [1.5, -2.0] and arrays.grad.tolist() == [0, 0.25]
    assert type(a.data) is float and type(b.grad) is float  # the engine's ops check type(data) is float
    arrays.data[0] = 4.0
    arrays.grad += 1.0
    assert (a.data, a.grad, b.grad) == (4.0, 1.0, 1.25)
    a.data, b.grad = 3, np.float64(0.5)  # ints and NumPy scalars become floats
    assert arrays.data[0] == 3.0 and arrays.grad[1] == 0.5 and type(a.data) is float
    with pytest.raises(TypeError, match='got a Value'):
        a.data = Value(1.0)
    assert isinstance(b, Parameter) and b.is_parameter and not a.is_parameter
    assert (a.label, b.label, repr(b)) == ('a', 'b', "Value(label='b', data=-2.0, grad=0.5)")
    assert type(b).__name__ == 'Parameter' and vars(b) == {'label': 'b'}  # where its numbers are does not show
    assert is_bound(a) and arrays_of(a) is arrays and len(arrays) == 2 and arrays.values == (a, b)


def test_assigning_the_arrays_copies_into_them():
    x = Value(1.0)
    arrays = ValueArrays([x])
    data = arrays.data
    arrays.data = np.array([5.0])
    arrays.data *= 2
    assert arrays.data is data and x.data == 10.0


def test_eager_ops_and_backward_on_bound_values():
    w, b = Parameter(0.5), Parameter(-1.0)
    y = (w * Value(3.0) + b).tanh() * w
    arrays = ValueArrays([w, b])
    y.backward()
    z = (w * Value(3.0) + b).tanh() * w  # built on bound Values
    assert z.data == y.data and type(z) is Value and not is_bound(z)
    w2, b2 = Parameter(0.5), Parameter(-1.0)
    (((w2 * Value(3.0) + b2).tanh() * w2)).backward()
    assert arrays.grad.tolist() == [w2.grad, b2.grad]
    z.backward()  # leaves accumulate
    assert arrays.grad.tolist() == [2 * w2.grad, 2 * b2.grad]


def test_an_interior_node_keeps_its_graph_when_bound():
    x = Value(2.0)
    y = x * x
    y.label = 'y'
    ValueArrays([y])
    assert y._prev == (x, x) and y._op == '*' and y._local_grads == (2.0, 2.0) and y.label == 'y'
    y.backward()
    assert (y.grad, x.grad) == (1.0, 4.0)


def test_release_gives_the_values_their_numbers_and_class_back():
    p, v = Parameter(1.0, label='p'), Value(2.0)
    arrays = ValueArrays([p, v])
    arrays.data += 1
    arrays.grad[:] = [0.5, -0.5]
    where = locate([p, v])
    before = value_arrays.generation
    arrays.release()
    assert value_arrays.generation > before and arrays.released and arrays.values == ()
    assert type(p) is Parameter and type(v) is Value and (p.data, p.grad, v.data, v.grad) == (2.0, 0.5, 3.0, -0.5)
    assert vars(p) == {'label': 'p'} and not is_bound(p) and arrays_of(p) is None and locate([p, v]) is None
    p.data = 7.0
    assert arrays.data[0] == 2.0  # no longer tied
    assert where is not None and not where.valid
    with pytest.raises(RuntimeError, match='released'):
        where.read_into(np.zeros(2), np.array([0, 1]))
    assert arrays_for([p, v]).read().tolist() == [7.0, 3.0]  # bound again, in new arrays


def test_a_value_is_bound_once():
    x, y = Value(1.0), Value(2.0)
    ValueArrays([x])
    with pytest.raises(ValueError, match='value 1 of 2 is already bound'):
        ValueArrays([y, x])
    assert not is_bound(y)  # nothing was bound
    with pytest.raises(ValueError, match='appears twice'):
        ValueArrays([y, y])
    with pytest.raises(TypeError, match='binds Values, got float'):
        ValueArrays([y, 1.0])
    assert not is_bound(y)


def test_arrays_for_reuses_the_arrays_of_values_bound_already_in_groups():
    old = [Value(float(k)) for k in range(4)]
    first = arrays_for(old)
    new = [Value(10.0), Value(11.0)]
    values = [old[2], new[0], old[0], old[1], new[1]]  # some bound already, in another order
    where = arrays_for(values)
    assert [group.arrays for group in where.groups] == [first.groups[0].arrays, arrays_of(new[0])]
    assert arrays_for(values).groups == where.groups  # nothing new is bound the second time
    out = np.full(7, -1.0)
    slots = np.array([6, 0, 2, 3, 5])
    where.read_into(out, slots)
    assert out.tolist() == [10.0, -1.0, 0.0, 1.0, -1.0, 11.0, 2.0]
    assert where.read().tolist() == [2.0, 10.0, 0.0, 1.0, 11.0]
    where.add_grads(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    where.add_grads(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert [v.grad for v in values] == [2.0, 4.0, 6.0, 8.0, 10.0] and old[3].grad == 0.0
    where.write(np.arange(5.0) + 0.5, 'data')
    assert [v.data for v in values] == [0.5, 1.5, 2.5, 3.5, 4.5]
    where.fill(0.0)
    assert [v.grad for v in values] == [0.0] * 5
    with pytest.raises(ValueError, match='appears twice'):
        arrays_for([new[0], new[0]])


def test_locate_says_none_unless_every_value_is_bound_once():
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    ValueArrays([x, y])
    assert locate([z, x]) is None and locate([x, z]) is None and locate([x, x]) is None
    where = locate([y, x])
    assert where is not None and where.read().tolist() == [2.0, 1.0] and locate([y, x]) is where  # kept
    assert locate([]).read().tolist() == []
    ValueArrays([z])
    assert locate([x, z]) is not None and locate([y, x]) is not where  # looked up again after a binding


def test_a_contiguous_run_is_read_as_a_view():
    values = [Value(float(k)) for k in range(5)]
    arrays = ValueArrays(values)
    where = locate(values[1:4])
    assert where.groups[0].index == slice(1, 4) and np.shares_memory(where.read(), arrays.data)


def test_values_that_were_never_bound_are_untouched():
    ValueArrays([Value(1.0)])
    assert type(Value(1.0)) is Value and type(Value(1.0) * 2) is Value and type(Parameter(1.0)) is Parameter
    assert 'data' in Value.__dict__ and type(Value.__dict__['data']).__name__ == 'member_descriptor'


def test_deepcopy_of_bound_values_makes_ordinary_values():
    p, x = Parameter(0.5, label='p'), Value(3.0)
    y = p * x + p
    arrays = ValueArrays([p, x])
    arrays.grad[:] = [1.0, 2.0]
    twin = copy.deepcopy(p)
    assert type(twin) is Parameter and (twin.data, twin.grad, twin.label) == (0.5, 1.0, 'p')
    assert vars(twin) == {'label': 'p'}
    twin.data = 9.0
    assert p.data == 0.5
    copied = copy.deepcopy(y)
    leaves = copied._prev[0]._prev
    assert [type(v) for v in leaves] == [Parameter, Value] and [v.data for v in leaves] == [0.5, 3.0]
    assert copied.data == y.data and not any(is_bound(v) for v in leaves)
    shallow = copy.copy(x)
    assert type(shallow) is Value and (shallow.data, shallow.grad) == (3.0, 2.0)


def test_deepcopy_of_a_model_with_bound_parameters():
    model = MLP(2, [3, 1], seed=0)
    arrays = ValueArrays(model.parameters())
    twin = copy.deepcopy(model)
    assert all(type(p) is Parameter for p in twin.parameters())
    assert twin.state_dict() == model.state_dict() and twin([1.0, 2.0]).data == model([1.0, 2.0]).data
    twin.parameters()[0].data += 1
    assert arrays.data[0] == model.parameters()[0].data != twin.parameters()[0].data


def test_pickle_of_bound_values_and_of_arrays():
    p = Parameter(1.5, label='p')
    y = p * 2
    arrays = ValueArrays([p])
    p.grad = 4.0
    back = pickle.loads(pickle.dumps(p))
    assert type(back) is Parameter and (back.data, back.grad, back.label) == (1.5, 4.0, 'p')
    graph = pickle.loads(pickle.dumps(y))
    assert type(graph._prev[0]) is Parameter and graph._prev[0].data == 1.5 and graph._op == '*'
    arrays_back, p_back = pickle.loads(pickle.dumps((arrays, p)))  # the arrays bind the unpickled Values
    assert arrays_back.values == (p_back,) and arrays_of(p_back) is arrays_back and isinstance(p_back, Parameter)
    assert arrays_back.data.tolist() == [1.5] and arrays_back.grad.tolist() == [4.0]
    arrays_back.data[0] = 0.0
    assert p.data == 1.5


def test_saving_and_loading_a_model_with_bound_parameters(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    arrays = ValueArrays(model.parameters())
    arrays.data *= 2
    path = tmp_path / 'model.json'
    model.save(path)
    assert load_model(path).state_dict() == model.state_dict()
    other = MLP(2, [3, 1], seed=1)
    bound = ValueArrays(other.parameters())
    other.load(path)
    assert bound.data.tolist() == arrays.data.tolist() and other.state_dict() == model.state_dict()


def test_drawing_a_graph_of_bound_values():
    w = Parameter(0.5, label='w')
    y = w * 3
    ValueArrays([w])
    y.backward()
    source = draw_dot(y).source
    assert 'w' in source and '0.5000' in source and 'grad 3.0000' in source


def test_a_compiled_step_on_bound_parameters():
    model = MLP(2, [4, 1], seed=0)
    twin = copy.deepcopy(model)
    ValueArrays(model.parameters())
    step = compiled(lambda x: model(x) ** 2, [1.0, -2.0])
    loss = step([0.5, 0.25])
    step.backward()
    eager = twin([0.5, 0.25]) ** 2
    eager.backward()
    assert loss == pytest.approx(eager.data, rel=1e-12)
    assert [p.grad for p in model.parameters()] == pytest.approx([p.grad for p in twin.parameters()], rel=1e-12)
