"""Backward passes as students write them, right and wrong: for the diagnosis and the exercise checks."""


def build_topo(root):
    """The lecture's topological sort (recursive: the test graphs are small)."""
    order, seen = [], set()

    def build(v):
        if v not in seen:
            seen.add(v)
            for child in v._prev:
                build(child)
            order.append(v)
    build(root)
    return order


def correct(root):
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad


def assigns(root):  # = instead of +=
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad = local * node.grad


def forgets_local(root):
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        for child, _ in zip(node._prev, node._local_grads):
            child.grad += node.grad


def local_only(root):
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local


def forward_order(root):
    root.grad = 1.0
    for node in build_topo(root):  # children first: each node passes its gradient down before it has one
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad


def dfs_preorder(root):
    root.grad = 1.0
    seen = set()

    def visit(node):  # passes the gradient down on the first visit, before the node's other uses added to it
        seen.add(node)
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad
        for child in node._prev:
            if child not in seen:
                visit(child)
    visit(root)


def no_root_grad(root):
    for node in reversed(build_topo(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad += local * node.grad


def twice_without_zeroing(root):
    correct(root)
    correct(root)


def engine_twice(root):
    root.backward()
    root.backward()


def subtracts(root):
    root.grad = 1.0
    for node in reversed(build_topo(root)):
        for child, local in zip(node._prev, node._local_grads):
            child.grad -= local * node.grad
