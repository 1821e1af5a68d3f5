"""A drawing's colours and its legend: the roles drawn, what red, dashed and grey mean when the picture has
them, and formulas, in one order that every renderer and layout keeps, beside the output.

>>> import graphviz
>>> dot = graphviz.Digraph()
>>> add_legend(dot, 'n1_op', 'LR', ['input', 'output'], False, False, False, [], False, ['v1 = x*w'])
>>> [line.split()[0] for line in dot.body if 'legend_' in line and '->' not in line]
['legend_input', 'legend_output', 'legend_formulas', 'legend_input', 'legend_output', 'legend_formulas']
"""
from __future__ import annotations

import graphviz

ROLE_COLORS = {
    'input': '#cfe2ff', 'parameter': '#ffd8a8', 'constant': '#e9ecef',
    'value': '#ffffff', 'output': '#b2f2bb', 'operation': '#fff3bf',
}
HIGHLIGHT = '#e03131'
STALE = '#868e96'
MAX_FORMULAS = 12  # the legend spells out at most this many formulas; every box's tooltip has its own


def add_legend(dot: graphviz.Digraph, anchor: str, rankdir: str, present: list[str], any_stale: bool,
                any_copies: bool, any_highlight: bool, compact: list[str], any_changed: bool, formulas: list[str]) -> None:
    """The roles drawn (only those), what dashed boxes, grey text and red mean when the picture has them, and
    ``formulas``. The entries stand in one rank, the output's (``anchor`` is a node one rank before it): beside
    the output, in its column when drawn left to right, in its row when drawn top to bottom. Invisible edges
    between them within that rank keep their order the same in every renderer and layout."""
    entries: list[tuple[str, dict[str, str]]] = []
    for name in present:
        entries.append((f'legend_{name}', dict(label=name, shape='ellipse' if name == 'operation' else 'box',
                                               style='filled', fillcolor=ROLE_COLORS[name], fontsize='10',
                                               height='0.2')))
    if compact:
        entries.append(('legend_fields', dict(label=f"box: {' | '.join(compact)}", shape='box', fontsize='10',
                                              height='0.2')))
    if any_copies:
        entries.append(('legend_copy', dict(label='dashed: a leaf drawn again beside each use', shape='box',
                                            style='dashed', fontsize='10', height='0.2')))
    if any_stale:
        entries.append(('legend_stale', dict(label='grey, (stale): not the current grad;\nrun backward() '
                                                   '(after zero_grad())', shape='plaintext', fontcolor=STALE,
                                             fontsize='10')))
    if any_changed:
        entries.append(('legend_changed', dict(label='(out of date): data changed since\nthe forward pass; run it '
                                                     'again', shape='plaintext', fontsize='10')))
    if any_highlight:
        entries.append(('legend_highlight', dict(label="red: the step's node and edges", shape='box', color=HIGHLIGHT,
                                                 penwidth='2', fontsize='10', height='0.2')))
    if formulas:
        lines = formulas[:MAX_FORMULAS]
        if len(formulas) > MAX_FORMULAS:
            lines.append(f'... and {len(formulas) - MAX_FORMULAS} more: each box\'s tooltip has its formula')
        entries.append(('legend_formulas', dict(label=''.join(dot_escape(line) + '\\l' for line in lines),
                                                shape='plaintext', fontsize='10')))
    if not entries:
        return
    names = [name for name, _ in entries]
    # within a rank, both renderers put the head of an edge after its tail: right of it in 'TB', above it in 'LR'
    chain = names[::-1] if rankdir in ('LR', 'RL') else names
    with dot.subgraph(name='cluster_legend') as legend:
        legend.attr(label='legend', fontsize='10', style='rounded', color='#ced4da')
        for name, attributes in entries:
            legend.node(name, **attributes)
        with legend.subgraph() as rank:
            rank.attr(rank='same')
            for name in names:
                rank.node(name)
        for tail, head in zip(chain, chain[1:]):
            legend.edge(tail, head, style='invis')
    dot.edge(anchor, names[0], style='invis')


def dot_escape(text: str) -> str:
    """``text`` as itself inside a quoted DOT label or tooltip: backslashes doubled (Graphviz reads ``\\l``, ...)."""
    return text.replace('\\', '\\\\')
