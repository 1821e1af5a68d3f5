"""diagnose() finds the first wrong node in backward order and names the mistake, for students' own backward
implementations (each with one typical bug) and for hand-computed tables."""
import math
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from micrograd_ext import Value, topological_order
from micrograd_ext.core.autograd import gradients
from micrograd_ext.classroom import diagnosis
from micrograd_ext.classroom.diagnosis import (CRASHED, LOCAL_ONLY, MISSING_LOCAL, NOT_ZEROED, OTHER, OVERWRITTEN,
                                               ROOT_GRAD, UNREADABLE, WRONG_ORDER, WRONG_SIGN, Diagnosis, diagnose)
from micrograd_ext.classroom.exercises import lecture_graph
from micrograd_ext.viz.naming import node_names

from ..student_backwards import (assigns, build_topo, correct, dfs_preorder, engine_twice, forgets_local, forward_order,
                               local_only, no_root_grad, subtracts, twice_without_zeroing)


def lecture():
    return lecture_graph()[0]


def shared_interior():
    """out = tanh(h) * (h + x) with h = x*y: an interior node (h) and a leaf (x) are both used twice."""
    x, y = Value(2.0, label='x'), Value(-0.25, label='y')
    h = x * y
    h.label = 'h'
    p = h.tanh()
    p.label = 'p'
    q = h + x
    q.label = 'q'
    out = p * q
    out.label = 'out'
    return out


@pytest.mark.parametrize('make', [lecture, shared_interior])
def test_a_correct_backward_gets_none(make):
    assert diagnose(make(), correct) is None
    assert diagnose(make(), lambda root: root.backward()) is None


@pytest.mark.parametrize('student, make, name, category', [
    (assigns, lecture, 'a', OVERWRITTEN),
    (assigns, shared_interior, 'h', OVERWRITTEN),
    (forgets_local, lecture, 'c1', MISSING_LOCAL),
    (forgets_local, shared_interior, 'q', MISSING_LOCAL),
    (local_only, lecture, 'c', LOCAL_ONLY),
    (local_only, shared_interior, 'h', LOCAL_ONLY),
    (forward_order, lecture, 'c1', WRONG_ORDER),
    (forward_order, shared_interior, 'h', WRONG_ORDER),
    (dfs_preorder, shared_interior, 'y', WRONG_ORDER),
    (no_root_grad, lecture, 'M', ROOT_GRAD),
    (no_root_grad, shared_interior, 'out', ROOT_GRAD),
    (twice_without_zeroing, lecture, 'g', NOT_ZEROED),
    (twice_without_zeroing, shared_interior, 'q', NOT_ZEROED),
    (engine_twice, lecture, 'c1', NOT_ZEROED),
    (engine_twice, shared_interior, 'y', NOT_ZEROED),
    (subtracts, lecture, 'g', WRONG_SIGN),
    (subtracts, shared_interior, 'q', WRONG_SIGN),
])
def test_each_buggy_backward_is_caught_at_its_first_wrong_node(student, make, name, category):
    root = make()
    found = diagnose(root, student)
    assert (found.name, found.category) == (name, category), found
    assert found.node is {node_names(topological_order(root))[n]: n for n in topological_order(root)}[name]
    assert str(found) == found.message and repr(found) == found.message
    expected = gradients(root)[found.node]
    assert found.expected == pytest.approx(expected) and found.given == found.node.grad  # grads left as the student's


def test_the_messages_spell_out_the_chain_rule_and_the_fix():
    overwritten = diagnose(lecture(), assigns).message
    assert overwritten.startswith('dM/da should be 10 = 4 (from g = c1*a: c1 * dM/dg = 4 * 1) + 6 (from e = a*b: '
                                  'b * dM/de = -3 * -2), but your backward gives 6, the contribution from e only')
    assert 'a.grad += ..., not a.grad = ...' in overwritten
    missing = diagnose(shared_interior(), forgets_local).message
    assert 'dout/dout = 1 not multiplied by dout/dq = p = -0.462117' in missing
    order = diagnose(shared_interior(), dfs_preorder).message
    assert 'h passed its gradient down when h.grad held only 1.17967 (from p) of its final 0.717554' in order
    assert 'reverse topological order' in order
    assert 'the backward pass never started' in diagnose(lecture(), no_root_grad).message
    assert 'call M.zero_grad()' in diagnose(lecture(), twice_without_zeroing).message
    assert 'dM/dc1 (c1 = 4) should be 2' in diagnose(lecture(), forward_order).message
    assert '(1 - p**2) * dout/dp = 0.786448 * 1.5' in diagnose(shared_interior(), local_only).message


def test_a_crashing_or_hanging_backward_is_a_diagnosis_not_a_traceback():
    crashed = diagnose(lecture(), lambda root: 1 / 0)
    assert crashed.category == CRASHED and crashed.node is None and 'ZeroDivisionError' in crashed.message

    def hangs(root):
        while True:
            pass
    timed_out = diagnose(lecture(), hangs, time_limit=0.2)
    assert timed_out.category == CRASHED and 'still running after 0.2 s' in timed_out.message


def test_a_backward_that_leaves_no_number_is_unreadable():
    def leaves_none(root):
        correct(root)
        root._prev[0].grad = None
    found = diagnose(lecture(), leaves_none)
    assert (found.category, found.name, found.given) == (UNREADABLE, 'L', None) and 'L.grad is None' in found.message
    def leaves_values(root):  # a Value counts as its .data
        correct(root)
        for node in topological_order(root):
            node.grad = Value(node.grad)
    assert diagnose(lecture(), leaves_values) is None


def test_the_reference_ignores_and_keeps_out_of_the_students_grads():
    root = lecture()
    for node in topological_order(root):
        node.grad = 123.0  # left over from anything: the student's run starts from 0 and the reference ignores it
    assert diagnose(root, correct) is None
    assert {node.label: node.grad for node in topological_order(root) if node.label}['a'] == 10.0
    table = right_table(root)
    for node in topological_order(root):
        node.grad = 7.0
    assert diagnose(root, table) is None and all(node.grad == 7.0 for node in topological_order(root))


# ---- hand tables -------------------------------------------------------------------------------------------

def right_table(root, by_node=False):
    grads = gradients(root)
    names = node_names(topological_order(root))
    return {(node if by_node else names[node]): grads.get(node, 0.0) for node in topological_order(root)}


@pytest.mark.parametrize('make, changes, name, category', [
    (lecture, {'a': 6.0}, 'a', OVERWRITTEN),                  # the use by e only
    (lecture, {'d': 1.0}, 'd', MISSING_LOCAL),                # dM/dL = 1 passed down, not times f = -2
    (lecture, {'b': 2.0}, 'b', LOCAL_ONLY),                   # de/db = a = 2 alone, not times dM/de = -2
    (shared_interior, {'y': 2.35934}, 'y', WRONG_ORDER),      # h's gradient from p only, times x
    (lecture, {'M': 0.5}, 'M', ROOT_GRAD),
    (lecture, {'b': 4.0}, 'b', WRONG_SIGN),
    (lecture, {'a': 7.0}, 'a', MISSING_LOCAL),            # 1 from g (not times 4) + 6 from e
    (lecture, {'a': 11.0}, 'a', OTHER),
])
def test_hand_tables_get_the_same_categories(make, changes, name, category):
    root = make()
    found = diagnose(root, {**right_table(root), **changes})
    assert (found.name, found.category, found.given) == (name, category, changes[name]), found


def test_hand_tables_with_global_patterns():
    root = lecture()
    right = right_table(root)
    zeros = diagnose(root, {name: 0 for name in right})
    assert (zeros.category, zeros.name) == (ROOT_GRAD, 'M') and 'never started' in zeros.message
    late = diagnose(root, {name: (1 if name == 'M' else 0) for name in right})
    assert late.category == ROOT_GRAD and 'before the loop' in late.message
    tripled = diagnose(root, {name: 3 * g for name, g in right.items()})
    assert tripled.category == NOT_ZEROED and '3 times too large, and so is every other' in tripled.message
    leaves_doubled = {name: (2 * g if name in 'abcf' else g) for name, g in right.items()}
    assert diagnose(root, leaves_doubled).category == NOT_ZEROED
    halved_root = diagnose(root, {name: g / 2 for name, g in right.items()})
    assert halved_root.category == ROOT_GRAD and 'every other gradient is scaled by it' in halved_root.message


def test_tables_by_name_or_by_node_with_values_as_numbers():
    root = lecture()
    assert diagnose(root, right_table(root)) is None
    assert diagnose(root, right_table(root, by_node=True)) is None
    assert diagnose(root, {name: Value(g) for name, g in right_table(root).items()}) is None
    without_constant = {name: g for name, g in right_table(root).items() if name != 'c1'}
    assert diagnose(root, without_constant) is None  # unlabelled constants may be left out


@pytest.mark.parametrize('change, name, words', [
    ({'a': 'ten'}, 'a', "the string 'ten', not a number"),
    ({'a': None}, 'a', 'None, not a number'),
    ({'a': math.nan}, 'a', 'nan (not a number)'),
    ({'z': 1.0}, None, "'z' is not a node of this graph. Name the nodes as the graph does (a, b, e"),
    ({3: 1.0}, None, '3 is not a node of this graph'),
])
def test_unreadable_tables_say_what_to_fix(change, name, words):
    root = lecture()
    found = diagnose(root, {**right_table(root), **change})
    assert (found.category, found.name) == (UNREADABLE, name) and words in found.message, found


def test_missing_and_doubled_entries_are_unreadable():
    root = lecture()
    table = right_table(root)
    del table['e'], table['g']
    missing = diagnose(root, table)
    assert (missing.category, missing.name, missing.given) == (UNREADABLE, 'e', None)
    assert 'no gradient given for e, g' in missing.message
    a = next(node for node in topological_order(root) if node.label == 'a')
    doubled = diagnose(root, {**right_table(root), a: 10.0})
    assert doubled.category == UNREADABLE and 'a is given twice' in doubled.message


class RaisingMapping(Mapping):
    def __getitem__(self, key):
        raise LookupError(key)

    def __iter__(self):
        raise OSError('cannot list them')

    def __len__(self):
        return 9


class SneakyFloat(float):
    def __float__(self):
        raise ValueError('not today')


class AlwaysEqual:
    __eq__ = lambda self, other: True  # noqa: E731
    __float__ = lambda self: 0.42  # noqa: E731
    __hash__ = object.__hash__


def test_hostile_tables_and_grads_are_unreadable_not_crashes():
    root = lecture()
    listing = diagnose(root, RaisingMapping())
    assert listing.category == UNREADABLE and 'OSError: cannot list them' in listing.message
    sneaky = diagnose(root, {**right_table(root), 'a': SneakyFloat(10.0)})
    assert sneaky.category == UNREADABLE and 'not today' in sneaky.message

    def sets_always_equal(root):
        correct(root)
        root.grad = AlwaysEqual()
    fooled = diagnose(lecture(), sets_always_equal)
    assert (fooled.category, fooled.name) == (UNREADABLE, 'M') and 'an AlwaysEqual, not a number' in fooled.message


def test_a_given_of_another_kind_is_a_type_error():
    with pytest.raises(TypeError, match=r"given must be a dict \{name or node: gradient\} or a function"):
        diagnose(lecture(), [1.0, 2.0])
    with pytest.raises(TypeError, match='needs the output Value as root'):
        diagnose(3.0, {})


# ---- edges: a child used twice by one node, an op with its own _backward ------------------------------------

def test_a_child_used_twice_by_one_node():
    a = Value(3.0, label='a')
    y = a * a
    y.label = 'y'
    z = y + 1
    z.label = 'z'
    found = diagnose(z, assigns)
    assert (found.name, found.category, found.given, found.expected) == ('a', OVERWRITTEN, 3.0, 6.0)
    assert 'a is used 2 times (by y, y)' in found.message
    assert '3 (from y = a*a, operand 1: a * dz/dy = 3 * 1) + 3 (from y = a*a, operand 2' in found.message
    assert diagnose(z, correct) is None


def test_an_op_with_its_own_backward():
    x = Value(0.5, label='x')
    out = Value(math.sin(x.data), (x,), 'sin')

    def _backward():
        x.grad += math.cos(x.data) * out.grad
    out._backward = _backward
    y = out * 2
    y.label = 'y'
    right = right_table(y)
    assert diagnose(y, right) is None
    found = diagnose(y, {**right, 'x': 2.0})
    assert found.category == MISSING_LOCAL and 'dv1/dx = 0.877583 (from its _backward)' in found.message
    assert '(from v1 = sin(x): dv1/dx * dy/dv1 = 0.877583 * 2)' in found.message


def test_a_node_with_many_uses():
    w = Value(0.5, label='w')
    out = Value.sum([w * Value(float(i)) for i in range(1, 21)])
    found = diagnose(out, assigns)
    assert (found.name, found.category, found.expected) == ('w', OVERWRITTEN, 210.0)
    assert 'w is used 20 times' in found.message and '+ ... (14 more uses)' in found.message


def test_wrong_order_below_a_parent_with_many_uses():
    x, y = Value(2.0, label='x'), Value(-0.5, label='y')
    h = x * y
    h.label = 'h'
    out = Value.sum([h * Value(float(i)) for i in range(1, 11)])  # h has 10 uses: more than MAX_SUBSETS
    assert diagnosis.MAX_SUBSETS < 10
    found = diagnose(out, dfs_preorder)  # h passes its gradient down after its first use (by h*1) only
    assert (found.name, found.category) == ('y', WRONG_ORDER), found
    assert 'h.grad held only 1 (from v1) of its final 55' in found.message


# ---- random graphs -----------------------------------------------------------------------------------------

OPS = {'+': lambda a, b: a + b, '*': lambda a, b: a * b, 'tanh': lambda a, b: a.tanh(), 'exp': lambda a, b: a.exp()}


@st.composite
def graphs(draw):
    """A random graph of + * tanh exp whose ops pick any earlier node, so nodes are often reused."""
    nodes = [Value(x, label=f'x{i}') for i, x in
             enumerate(draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=3)))]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(sorted(OPS)))
        a, b = (nodes[draw(st.integers(0, len(nodes) - 1))] for _ in range(2))
        try:
            nodes.append(OPS[op](a, b))
        except OverflowError:
            assume(False)
    assume(abs(nodes[-1].data) < 1e6)
    return nodes[-1]


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_random_graphs_a_correct_backward_gets_none(root):
    assert diagnose(root, correct) is None
    assert diagnose(root, right_table(root)) is None


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_random_graphs_overwriting_is_found_at_a_reused_node(root):
    due = gradients(root)
    assume(all(g == 0 or abs(g) > 1e-3 for g in due.values()))  # below ABS_TOL an error is invisible, and so are
    found = diagnose(root, assigns)                             # its consequences up to their first visible node
    if found is None:  # the bug changed nothing here (e.g. no node is reused, or the other uses add 0)
        assert all(math.isclose(node.grad, due.get(node, 0.0), rel_tol=1e-4, abs_tol=1e-6)
                   for node in topological_order(root))
        return
    uses = sum(child is found.node for node in topological_order(root) for child in node._prev)
    assert found.category == OVERWRITTEN and uses >= 2, found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graphs(), st.sampled_from([ValueError, ZeroDivisionError, RecursionError, SystemExit, KeyError]),
       st.integers(0, 5))
def test_random_graphs_a_crash_anywhere_is_a_crash_diagnosis(root, error, after):
    def crashes(root):
        root.grad = 1.0
        for count, node in enumerate(reversed(build_topo(root))):
            if count == after:
                raise error('boom')
            for child, local in zip(node._prev, node._local_grads):
                child.grad += local * node.grad
    found = diagnose(root, crashes)
    if after >= len(build_topo(root)):
        assert found is None
        return
    assert found.category == CRASHED and error.__name__ in found.message and 'Traceback' not in found.message


@settings(max_examples=3, deadline=None)
@given(graphs())
def test_random_graphs_a_hanging_backward_is_stopped(root):
    def hangs(root):
        correct(root)
        while True:
            pass
    found = diagnose(root, hangs, time_limit=0.1)
    assert found.category == CRASHED and 'still running' in found.message and 'Traceback' not in found.message


# ---- a long chain: no recursion ----------------------------------------------------------------------------

def test_a_chain_of_100000_nodes():
    x = Value(0.3, label='x')
    y = x
    for _ in range(100_000):
        y = y.tanh()
    assert diagnose(y, lambda root: root.backward(), time_limit=60) is None
    table = right_table(y, by_node=True)
    assert diagnose(y, table) is None
    found = diagnose(y, {**table, x: 2 * table[x] + 1})
    assert found.node is x and found.category == OTHER
    assert diagnose(y, assigns_iteratively, time_limit=60) is None  # nothing is reused: = is harmless here


def assigns_iteratively(root):
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad = local * node.grad


def test_categories_are_listed():
    assert set(diagnosis.CATEGORIES) == {OVERWRITTEN, MISSING_LOCAL, LOCAL_ONLY, WRONG_ORDER, ROOT_GRAD, NOT_ZEROED,
                                          WRONG_SIGN, OTHER, CRASHED, UNREADABLE}
    assert Diagnosis.__dataclass_fields__.keys() == {'node', 'name', 'given', 'expected', 'category', 'message'}
