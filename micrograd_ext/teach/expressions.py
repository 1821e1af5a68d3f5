"""Build a ``Value`` graph from an expression a user typed, safely: parsed with ``ast``, never ``eval``.

Allowed: numbers, names (given values with ``variables``), ``+ - * / **``, unary ``-``/``+``, and calls
of the Value methods below with one argument. Anything else is refused with an ``ExpressionError``
that points at the offending part. Each computed node is labelled with its piece of the expression.

>>> y = build_graph('tanh(x*w + b)', {'x': 2, 'w': -3, 'b': 6.88})
>>> round(y.data, 4), y.label
(0.7064, 'tanh(x*w + b)')
"""
from __future__ import annotations

import ast
import math
from typing import cast

from ..core.errors import MicrogradExtError
from ..core import ops
from ..core.engine import Value, topological_order

FUNCTIONS = tuple(ops.FUNCTIONS)  # tanh relu exp ...: the op table's functions
MAX_LENGTH = 500
MAX_EXPONENT = 100  # |n| in x ** n, whatever n is (a number, a name, a part)
MAX_LABEL = 24
BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
          ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


SYMBOLS = {ast.Mod: '%', ast.FloorDiv: '//', ast.MatMult: '@', ast.BitAnd: '&', ast.BitOr: '|', ast.LShift: '<<',
           ast.RShift: '>>', ast.Invert: '~', ast.Not: 'not'}  # how the refused operators are written


class ExpressionError(MicrogradExtError, ValueError):
    """The expression cannot be used; the message says which part and why."""


def build_graph(text: str, variables: dict[str, float], setting: str = '--set ') -> Value:
    """The graph of ``text`` with each name a labelled leaf Value (a name used twice is one node). ``setting`` is
    how the user gives a name its value, for the messages (the command line's ``--set ``; a web page's ``''``)."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if '\n' in text or '\r' in text:
        raise ExpressionError("the expression must be a single line")
    tree = _parse(text)
    leaves = {}
    for name, number in variables.items():
        if not name.isidentifier() or name in FUNCTIONS:
            raise ExpressionError(f"{name!r} cannot be a variable name (it must be an identifier, not a function)")
        leaves[name] = Value(number, label=name)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if id(node) not in called:  # a call's function name is checked with the call
            _check(node, text, leaves, setting)
    return _evaluate(tree.body, text, leaves)


def named_inputs(root: Value) -> dict[str, Value]:
    """The labelled leaves of ``root``'s graph by name: the variables of an expression.

    >>> list(named_inputs(build_graph('x*y + 2', {'x': 1, 'y': 2})))
    ['x', 'y']
    """
    return {node.label: node for node in topological_order(root) if not node._prev and node.label}


def parse_assignments(items: list[str], setting: str = '--set ') -> dict[str, float]:
    """``['x=2', 'w=-3']`` -> ``{'x': 2.0, 'w': -3.0}``, or ``ExpressionError`` naming the bad item (``setting``:
    as ``build_graph``).

    >>> parse_assignments(['x=2', 'w=-3.5'])
    {'x': 2.0, 'w': -3.5}
    """
    result = {}
    for item in items:
        name, sep, number = (part.strip() for part in item.partition('='))
        if not sep or not name.isidentifier():
            raise ExpressionError(f"{setting}{item}: expected NAME=NUMBER, e.g. {setting}x=2.0")
        if name in result:
            raise ExpressionError(f"{setting}{item}: {name} is set twice; give each name once")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"{setting}{item}: {name} must be set to a number, got {number!r}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"{setting}{item}: {name} must be a finite number, got {number!r}")
        result[name] = value
    return result


def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(text.strip() or '', mode='eval')
    except SyntaxError as error:
        column = (error.offset or 1) - 1
        raise ExpressionError(f"not a valid expression: {error.msg}\n{_pointer(text, column, column + 1)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is nested too deeply or contains invalid characters") from None


def _check(node: ast.AST, text: str, leaves: dict[str, Value], setting: str) -> None:
    """Refuse anything outside the whitelist, pointing at it."""
    if isinstance(node, (ast.Expression, ast.Load, ast.operator, ast.unaryop)):
        if isinstance(node, ast.BitXor):
            raise ExpressionError("^ is not allowed: write powers as x ** 2")
        if isinstance(node, ast.operator) and type(node) not in BINARY or \
                isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
            symbol = SYMBOLS.get(type(node), type(node).__name__)
            raise ExpressionError(f"the operator {symbol} is not allowed; use + - * / **")
        return
    where = _pointer(text, getattr(node, 'col_offset', 0), getattr(node, 'end_col_offset', None))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"only numbers can appear as constants, not {node.value!r}\n{where}")
        if not _finite(node.value):
            raise ExpressionError(f"the number is too large for a float\n{where}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)\n{where}")
        if node.id not in leaves:
            defined = ', '.join(sorted(leaves)) or 'none'
            raise ExpressionError(f"name {node.id!r} is not defined; set it with {setting}{node.id}=NUMBER "
                                  f"(defined: {defined})\n{where}")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(f"only these functions can be called: {', '.join(FUNCTIONS)}\n{where}")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{node.func.id}() takes exactly one argument\n{where}")
    elif not isinstance(node, (ast.BinOp, ast.UnaryOp)):
        what = 'a comparison (== < > ...)' if isinstance(node, ast.Compare) else type(node).__name__
        raise ExpressionError(f"{what} is not allowed here: use numbers, names, + - * / ** "
                              f"and {', '.join(FUNCTIONS)}\n{where}")


def _evaluate(root: ast.expr, text: str, leaves: dict[str, Value]) -> Value:
    """Post-order evaluation with an explicit stack (no recursion, however long the expression)."""
    results: dict[ast.expr, Value] = {}
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        children = _operands(node)
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        try:
            results[node] = value = _apply(node, [results[c] for c in children], leaves)
        except (ArithmeticError, ValueError) as error:
            where = _pointer(text, node.col_offset, node.end_col_offset)
            raise ExpressionError(f"{error}\n{where}") from None
        if value._prev and not value.label:
            segment = ast.get_source_segment(text, node) or ''
            value.label = segment if len(segment) <= MAX_LABEL else segment[:MAX_LABEL - 1] + '…'
    return results[root]


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _apply(node: ast.expr, operands: list[Value], leaves: dict[str, Value]) -> Value:
    if isinstance(node, ast.Constant):
        return Value(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.BinOp):
        left, right = operands
        if isinstance(node.op, ast.Pow) and abs(right.data) > MAX_EXPONENT:  # also 2 ** x and x ** y
            named = f"{right.label} = " if right.label else ''
            raise ExpressionError(f"the exponent {named}{right.data:g} is too large (the limit is {MAX_EXPONENT}); "
                                  f"keep exponents between -{MAX_EXPONENT} and {MAX_EXPONENT}")
        if isinstance(node.op, ast.Pow) and _is_constant(right):
            n = right.data
            return left ** (int(n) if n.is_integer() else n)  # x ** 2 is the op '**2', as in micrograd
        return BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        (operand,) = operands
        if isinstance(node.op, ast.UAdd):
            return operand
        return Value(-operand.data) if _is_constant(operand) else -operand  # -3 is a number, not an op
    (argument,) = operands
    function = cast(ast.Name, cast(ast.Call, node).func)  # what is left: _check let calls through only by name
    return Value.apply(ops.FUNCTIONS[function.id], argument)


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int beyond the float range
        return False


def _is_constant(value: Value) -> bool:
    """A number written in the expression: an unlabelled leaf."""
    return not value._prev and not value.label


def _pointer(text: str, start: int, end: int | None) -> str:
    """The expression with ``^^^`` under columns ``start``..``end``."""
    end = max(start + 1, end or start + 1)
    return f"  {text}\n  {' ' * start}{'^' * (end - start)}"
