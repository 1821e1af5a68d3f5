"""The ``micrograd-ext`` command: ``demo``, ``train``, ``graph`` and ``explain``."""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


def positive(kind):
    """An argparse type: a number of ``kind`` that must be > 0."""
    def parse(text: str):
        try:
            number = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return number
    parse.__name__ = f'positive {kind.__name__}'
    return parse


def add_train_parser(commands) -> None:
    train = commands.add_parser('train', help='train an MLP on a 2-D toy data set',
                                description='Train an MLP on moons, circles or spirals and report loss and accuracy.')
    train.add_argument('--dataset', choices=('moons', 'circles', 'spirals'), default='moons')
    train.add_argument('--samples', type=positive(int), default=100)
    train.add_argument('--noise', type=float, default=0.1)
    train.add_argument('--classes', type=positive(int), default=2, help='classes (spirals only; default 2)')
    train.add_argument('--hidden', type=positive(int), nargs='+', default=[16, 16], metavar='N',
                       help='hidden layer sizes (default: 16 16)')
    train.add_argument('--activation', choices=('relu', 'tanh', 'sigmoid', 'gelu', 'silu'), default='relu')
    train.add_argument('--loss', choices=('hinge', 'bce', 'cross_entropy', 'mse'), default=None,
                       help='default: hinge for 2 classes, cross_entropy for more')
    train.add_argument('--optimizer', choices=('sgd', 'adam', 'adamw'), default='sgd')
    train.add_argument('--lr', type=positive(float), default=None, help='default: 1.0 for sgd, 0.05 for adam/adamw')
    train.add_argument('--schedule', choices=('constant', 'linear', 'cosine'), default='constant',
                       help="'linear' is micrograd demo's decay to 10%% of --lr")
    train.add_argument('--warmup', type=int, default=0, help='linear warmup steps (constant and cosine schedules)')
    train.add_argument('--steps', type=positive(int), default=100)
    train.add_argument('--batch-size', type=positive(int), default=None)
    train.add_argument('--clip', type=positive(float), default=None, help='clip the gradient norm to this')
    train.add_argument('--momentum', type=float, default=0.0, help='SGD momentum')
    train.add_argument('--weight-decay', type=float, default=None)
    train.add_argument('--alpha', type=float, default=1e-4, help='L2 penalty in the loss (default 1e-4)')
    train.add_argument('--seed', type=int, default=0)
    train.add_argument('--save', metavar='MODEL.json', help='write the trained model as JSON')
    train.add_argument('--plot', metavar='OUT.png', help='write the decision boundary and loss curve (matplotlib)')


def run_train(args, parser) -> int:
    from . import optim
    from .datasets import make_circles, make_moons, make_spirals
    from .nn import MLP
    from .training import fit, outputs_needed

    n_classes = args.classes if args.dataset == 'spirals' else 2
    loss = args.loss or ('hinge' if n_classes == 2 else 'cross_entropy')
    if n_classes > 2 and loss != 'cross_entropy':
        parser.error(f"--loss {loss} handles 2 classes; use --loss cross_entropy for {n_classes}")
    if args.schedule == 'linear' and args.warmup:
        parser.error('--warmup goes with --schedule constant or cosine')
    if args.warmup < 0 or args.warmup >= args.steps:
        parser.error(f'--warmup must be between 0 and --steps - 1, got {args.warmup}')
    if args.plot:
        from .plotting import require_matplotlib
        try:
            require_matplotlib()
        except ImportError as error:
            parser.error(str(error))
    makers = {'moons': lambda: make_moons(args.samples, args.noise, seed=args.seed),
              'circles': lambda: make_circles(args.samples, args.noise, seed=args.seed),
              'spirals': lambda: make_spirals(args.samples, n_classes, args.noise, seed=args.seed)}
    X, y = makers[args.dataset]()
    model = MLP(2, [*args.hidden, outputs_needed(loss, n_classes)], activation=args.activation, seed=args.seed)
    lr = args.lr or (1.0 if args.optimizer == 'sgd' else 0.05)
    schedule = {'constant': lambda: optim.linear_warmup(lr, args.warmup),
                'linear': lambda: optim.linear_decay(lr, 0.1 * lr, args.steps),
                'cosine': lambda: optim.cosine_with_warmup(lr, args.warmup, args.steps)}[args.schedule]()
    params = model.parameters()
    if args.optimizer == 'sgd':
        optimizer = optim.SGD(params, schedule, momentum=args.momentum, weight_decay=args.weight_decay or 0.0)
    else:
        kind = optim.Adam if args.optimizer == 'adam' else optim.AdamW
        decay = args.weight_decay if args.weight_decay is not None else (0.0 if kind is optim.Adam else 0.01)
        optimizer = kind(params, schedule, weight_decay=decay)
    print(f"{args.dataset}: {len(y)} points, {n_classes} classes; {model!r}"[:300])
    print(f"{len(params)} parameters; {args.optimizer} lr={lr} ({args.schedule}"
          f"{f', warmup {args.warmup}' if args.warmup else ''}), loss {loss}, {args.steps} steps")
    started = time.perf_counter()
    log = fit(model, X, y, optimizer, args.steps, loss, args.batch_size, args.clip, args.alpha, args.seed,
              on_step=progress_reporter(args.steps))
    print(f"done in {time.perf_counter() - started:.1f} s: loss {log.losses[-1]:.4f}, "
          f"accuracy {log.accuracies[-1]:.1%} (best {max(log.accuracies):.1%})")
    if args.save:
        model.save(args.save)
        print(f"model saved to {args.save}")
    if args.plot:
        from .plotting import plot_training
        plot_training(model, X, y, log, args.plot, loss)
        print(f"plot saved to {args.plot}")
    return 0


def progress_reporter(total: int):
    """A tqdm bar showing loss and accuracy, or plain lines every 10%% of the steps without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    bar = tqdm(total=total, unit='step', file=sys.stdout, mininterval=0.2) if tqdm else None

    def report(step, log):
        if bar is not None:
            bar.set_postfix(loss=f'{log.losses[-1]:.4f}', acc=f'{log.accuracies[-1]:.0%}', refresh=False)
            bar.update(1)
            if step + 1 == total:
                bar.close()
        elif (step + 1) % max(1, total // 10) == 0 or step + 1 == total:
            print(f"step {step + 1}/{total}  loss {log.losses[-1]:.4f}  accuracy {log.accuracies[-1]:.0%}")
    return report


def add_graph_parser(commands) -> None:
    graph = commands.add_parser('graph', help='draw the computation graph of an expression',
                                description='Draw an expression\'s computation graph, e.g. '
                                            'micrograd-ext graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --backward')
    add_expression_arguments(graph)
    graph.add_argument('--backward', action='store_true', help='run backward() first, so grads are filled in')
    graph.add_argument('-o', '--output', default='graph.svg', help='output file; .svg, .png or .pdf (default graph.svg)')
    graph.add_argument('--rankdir', choices=('LR', 'TB'), default='LR')
    graph.add_argument('--no-legend', action='store_true')
    graph.add_argument('--backend', choices=('auto', 'system', 'embedded'), default='auto',
                       help="Graphviz to use: the system 'dot' or the embedded one (default: system if installed)")


def add_expression_arguments(command) -> None:
    """The expression and its ``--set NAME=NUMBER`` values, shared by ``graph`` and ``explain``."""
    command.add_argument('expression', help="numbers, names, + - * / ** and tanh relu exp log sigmoid sqrt gelu silu abs")
    command.add_argument('--set', nargs='+', default=[], metavar='NAME=NUMBER', help='values of the names')


def build_expression(args, parser):
    """(the Value graph of ``args.expression``, the ``--set`` values); argparse errors for bad input."""
    from .expressions import ExpressionError, build_graph, parse_assignments
    try:
        assignments = parse_assignments(args.set)
        return build_graph(args.expression, assignments), assignments
    except ExpressionError as error:
        parser.error(str(error))


def run_graph(args, parser) -> int:
    from .expressions import named_inputs
    from .viz import GraphTooLargeError, RenderError, draw_dot, render, system_dot
    root, _ = build_expression(args, parser)
    if args.backward:
        root.backward()
    try:
        path = render(draw_dot(root, rankdir=args.rankdir, legend=not args.no_legend), args.output, args.backend)
    except (RenderError, GraphTooLargeError, ValueError) as error:
        print(f"micrograd-ext graph: error: {error}", file=sys.stderr)
        return 1
    used = 'system dot' if args.backend != 'embedded' and system_dot() else 'embedded Graphviz'
    print(f"{args.expression} = {root.data:.6g}")
    if args.backward:
        print('gradients: ' + ', '.join(f"d/d{name} = {x.grad:.6g}" for name, x in named_inputs(root).items()))
    print(f"wrote {path} (rendered with {used})")
    return 0


def add_explain_parser(commands) -> None:
    explain = commands.add_parser('explain', help='backprop through an expression one step at a time',
                                  description='Print the forward values, every backward step, the final gradients and '
                                              'a finite-difference check, e.g. micrograd-ext explain '
                                              '"tanh(w1*x1 + w2*x2 + b)" --set x1=2 x2=0 w1=-3 w2=1 b=6.8814')
    add_expression_arguments(explain)
    explain.add_argument('--wrt', metavar='NAME', help='also explain this input\'s gradient path by path')
    explain.add_argument('--html', metavar='STEPS.html', help='write a step-through player (one HTML file)')


def run_explain(args, parser) -> int:
    from .expressions import build_graph, named_inputs
    from .finite_differences import agrees, numerical_grad
    from .table import fmt, graph_table

    root, assignments = build_expression(args, parser)
    leaves = named_inputs(root)
    if args.wrt is not None and args.wrt not in leaves:
        parser.error(f"--wrt {args.wrt}: the expression has no input named {args.wrt!r} "
                     f"(inputs: {', '.join(leaves) or 'none'})")
    print(f"forward: {args.expression} = {root.data:.6g}\n{graph_table(root)}\n\nbackward, one chain-rule step at a time:")
    for step in root.backward_steps():
        print(step)
    names = list(leaves)
    numeric = numerical_grad(lambda *xs: build_graph(args.expression, {**assignments, **{n: x.data for n, x in zip(names, xs)}}),
                             [leaves[n].data for n in names])
    print('\ngradients (backprop vs central finite differences):')
    for name, estimate in zip(names, numeric):
        verdict = 'ok' if agrees(leaves[name].grad, estimate) else 'MISMATCH'
        print(f"  d/d{name} = {fmt(leaves[name].grad)}   finite differences {fmt(estimate)}   {verdict}")
    if args.wrt:
        print(f"\n{root.explain(leaves[args.wrt])}")
    if args.html:
        from .player import save_backward_html
        from .viz import GraphTooLargeError, RenderError
        try:  # a fresh graph: the player replays the steps from the start
            print(f"\nwrote {save_backward_html(build_graph(args.expression, assignments), args.html, args.expression)}")
        except (RenderError, GraphTooLargeError, OSError) as error:
            print(f"micrograd-ext explain: error: {error}", file=sys.stderr)
            return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='micrograd-ext', description='A scalar autograd engine for learning backprop.')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    demo = commands.add_parser('demo', help="the seed article's neuron: forward, backward, gradcheck, a picture")
    demo.add_argument('-o', '--output', default='seed_neuron.svg', help='where to draw the graph (default seed_neuron.svg)')
    add_train_parser(commands)
    add_graph_parser(commands)
    add_explain_parser(commands)
    args = parser.parse_args(argv)
    if args.command == 'demo':
        from .demo import run_demo
        return 0 if run_demo(args.output) else 1
    if args.command == 'graph':
        return run_graph(args, commands.choices['graph'])
    if args.command == 'explain':
        return run_explain(args, commands.choices['explain'])
    if args.command == 'train':
        return run_train(args, commands.choices['train'])
    return 2


if __name__ == '__main__':
    sys.exit(main())
