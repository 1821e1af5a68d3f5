"""``micrograd-ext demo``: the seed article's neuron."""
from __future__ import annotations

from .arguments import add_command, drawing_formats, output_file


def register(commands) -> None:
    demo = add_command(commands, 'demo', "the seed article's neuron: forward, backward, gradcheck, a picture",
                       "The seed article's neuron: forward, backward, every node's gradient, a gradient check "
                       "and a drawing of its graph.", run_demo_command)
    demo.add_argument('-o', '--output', type=output_file(drawing_formats), default='seed_neuron.svg',
                      help='where to draw the graph')


def run_demo_command(args, parser) -> int:
    from ..teach.demo import run_demo
    return 0 if run_demo(args.output) else 1
