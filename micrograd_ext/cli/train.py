"""``micrograd-ext train``: an MLP on a 2-D toy data set, with its options' limits checked before any work.

The choices come from the tables that own them: ``datasets.DATASETS``, ``training.LOSSES``, ``ops.ACTIVATIONS``,
``optim.OPTIMIZERS`` and ``optim.SCHEDULES``.
"""
from __future__ import annotations

import os
import sys
import time
from itertools import pairwise
from typing import TYPE_CHECKING, cast

from .arguments import PROG, Failure, add_command, number, output_file, plot_formats, problem
from ..learn.datasets import DATASETS
from ..learn.optim import OPTIMIZERS, SCHEDULES
from ..learn.training import LOSSES
from ..core.ops import ACTIVATIONS

if TYPE_CHECKING:
    from ..learn.training import TrainingLog

MAX_STEPS = 100_000
MAX_SAMPLES = 10_000
MAX_CLASSES = 10
MAX_WIDTH = 1000
MAX_SEED = 2 ** 32 - 1
MAX_STEP_WORK = 2_000_000  # examples per step x parameters: about 3 s and 250 MB a step here
MAX_RECORDED_WORK = 5_000_000  # with --compiled only the recording is that slow (about 12 s and 700 MB), once
DEFAULT_LR = {'sgd': 1.0, 'adam': 0.05, 'adamw': 0.05}  # the learning rate when --lr is not given


def register(commands) -> None:
    train = add_command(commands, 'train', 'train an MLP on a 2-D toy data set',
                        'Train an MLP on moons, circles or spirals and report loss and accuracy. Each step may take '
                        f'at most {MAX_STEP_WORK:,} examples x parameters, {MAX_RECORDED_WORK:,} with --compiled '
                        '(use --batch-size for more --samples).',
                        run_train)
    train.add_argument('--dataset', choices=list(DATASETS), default='moons', help='the data set')
    train.add_argument('--samples', type=number(int, MAX_SAMPLES), default=100, help='number of points')
    train.add_argument('--noise', type=number(float, 10, low=0), default=0.1, help='standard deviation of the noise')
    train.add_argument('--classes', type=number(int, MAX_CLASSES, low=2), help='classes (spirals only; 2 if not given)')
    train.add_argument('--hidden', type=number(int, MAX_WIDTH), nargs='+', default=[16, 16], metavar='N',
                       help='hidden layer sizes')
    train.add_argument('--activation', choices=list(ACTIVATIONS), default='relu',
                       help='activation of the hidden layers')
    train.add_argument('--loss', choices=LOSSES,
                       help='hinge for 2 classes and cross_entropy for more if not given')
    train.add_argument('--optimizer', choices=list(OPTIMIZERS), default='sgd', help='the optimizer')
    train.add_argument('--lr', type=number(float, 10),
                       help=f"learning rate ({', '.join(f'{lr} for {name}' for name, lr in DEFAULT_LR.items())} "
                            "if not given)")
    train.add_argument('--schedule', choices=list(SCHEDULES), default='constant',
                       help="learning-rate schedule; 'linear' is micrograd demo's decay to 10%% of --lr")
    train.add_argument('--warmup', type=number(int, MAX_STEPS, low=0), default=0,
                       help='linear warmup steps (constant and cosine schedules)')
    train.add_argument('--steps', type=number(int, MAX_STEPS), default=100, help='training steps')
    train.add_argument('--batch-size', type=number(int, MAX_SAMPLES),
                       help='examples per step, drawn at random (all --samples if not given)')
    train.add_argument('--clip', type=number(float, 10 ** 6), help='clip the gradient norm to this')
    train.add_argument('--momentum', type=number(float, 1, low=0), default=0.0, help='SGD momentum')
    train.add_argument('--weight-decay', type=number(float, 1, low=0),
                       help='weight decay (0 for sgd and adam, 0.01 for adamw if not given)')
    train.add_argument('--alpha', type=number(float, 1, low=0), default=1e-4, help='L2 penalty in the loss')
    train.add_argument('--seed', type=number(int, MAX_SEED, low=0), default=0,
                       help='seed of the data, weights and batches')
    train.add_argument('--compiled', action='store_true',
                       help='record the graph of a step once and replay it (same numbers, many times faster)')
    train.add_argument('--save', type=output_file(), metavar='MODEL.json', help='write the trained model as JSON')
    train.add_argument('--plot', type=output_file(plot_formats), metavar='OUT.png',
                       help='write the decision boundary and loss curve (matplotlib)')


def check_train(args, parser) -> tuple[int, str]:
    """(number of classes, loss) after the checks that involve several options; usage errors otherwise."""
    if args.classes is not None and args.dataset != 'spirals':
        parser.error(f"--classes goes with --dataset spirals ({args.dataset} has 2 classes)")
    n_classes = args.classes or 2
    loss = args.loss or ('hinge' if n_classes == 2 else 'cross_entropy')
    if n_classes > 2 and loss != 'cross_entropy':
        parser.error(f"--loss {loss} handles 2 classes; use --loss cross_entropy for {n_classes}")
    if args.schedule == 'linear' and args.warmup:
        parser.error('--warmup goes with --schedule constant or cosine')
    if args.warmup >= args.steps:
        parser.error(f'--warmup must be less than --steps ({args.steps}), got {args.warmup}')
    if args.momentum and args.optimizer != 'sgd':
        parser.error(f'--momentum goes with --optimizer sgd ({args.optimizer} keeps its own running averages)')
    if args.batch_size and args.batch_size > args.samples:
        parser.error(f'--batch-size {args.batch_size} is larger than --samples {args.samples}; '
                     'lower it or leave it out to use every point')
    if args.save and args.plot and os.path.abspath(args.save) == os.path.abspath(args.plot):
        parser.error('--save and --plot name the same file; give them different names')
    from ..learn.training import outputs_needed
    sizes = [2, *args.hidden, outputs_needed(loss, n_classes)]
    work = (args.batch_size or args.samples) * sum((nin + 1) * nout for nin, nout in pairwise(sizes))
    limit = MAX_RECORDED_WORK if args.compiled else MAX_STEP_WORK
    if work > limit:
        parser.error(f"each step would take {args.batch_size or args.samples} examples through "
                     f"{work // (args.batch_size or args.samples):,} parameters ({work:,} multiply-adds, the limit is "
                     f"{limit:,}{'' if args.compiled else f', {MAX_RECORDED_WORK:,} with --compiled'}); "
                     "use a --batch-size, fewer --samples or smaller --hidden")
    return n_classes, loss


def run_train(args, parser) -> int:
    from ..learn.datasets import make_dataset
    from ..learn.nn import MLP
    from ..learn.training import fit, outputs_needed

    n_classes, loss = check_train(args, parser)
    X, y = make_dataset(args.dataset, args.samples, args.noise, n_classes, seed=args.seed)
    model = MLP(2, [*args.hidden, outputs_needed(loss, n_classes)], activation=args.activation, seed=args.seed)
    lr = args.lr or DEFAULT_LR[args.optimizer]
    schedule = SCHEDULES[args.schedule](lr, args.warmup, args.steps)
    params = model.parameters()
    settings = {'momentum': args.momentum} if args.optimizer == 'sgd' else {}
    if args.weight_decay is not None:  # else each optimizer's own default (0.01 for adamw, 0 for the others)
        settings['weight_decay'] = args.weight_decay
    optimizer = OPTIMIZERS[args.optimizer](params, schedule, **settings)
    sizes = model.config()
    print(f"{args.dataset}: {len(y)} points, {n_classes} classes; MLP({sizes['nin']}, {sizes['nouts']}) "
          f"with {sizes['activation']} between layers")
    print(f"{len(params)} parameters; {args.optimizer} lr={lr} ({args.schedule}"
          f"{f', warmup {args.warmup}' if args.warmup else ''}), loss {loss}, {args.steps} steps"
          f"{' (compiled: recorded once, replayed)' if args.compiled else ''}")
    if args.compiled:
        print(f"{PROG} train: recording one step's graph to replay it ...", file=sys.stderr)
    started, progress = time.perf_counter(), Progress(args.steps)
    try:
        fit(model, X, y, optimizer, args.steps, loss, args.batch_size, args.clip, args.alpha, args.seed,
            on_step=progress, compiled=args.compiled)
    except (ArithmeticError, ValueError) as error:
        what = 'the numbers grew beyond the float range' if isinstance(error, ArithmeticError) else problem(error)
        raise Failure(f"training diverged at step {progress.done + 1} of {args.steps}: {what}; "
                      "try a lower --lr or --clip 1 (nothing was saved)") from None
    except KeyboardInterrupt:
        if not progress.done:
            raise
    finally:
        progress.close()
    finished = progress.done == args.steps
    log = cast('TrainingLog', progress.log)  # at least one step ran, or the KeyboardInterrupt went on up
    if not finished:
        print(f"{PROG} train: interrupted at step {progress.done} of {args.steps}"
              f"{'; keeping what was trained so far' if args.save or args.plot else ''}", file=sys.stderr)
    print(f"{'done' if finished else f'stopped after {progress.done} steps'} in "
          f"{time.perf_counter() - started:.1f} s: loss {loss_text(log.losses[-1])}, "
          f"{'accuracy on the last batch' if args.batch_size else 'accuracy'} {log.accuracies[-1]:.1%} "
          f"(best {max(log.accuracies):.1%})")
    if args.save:
        try:
            model.save(args.save)
        except (OSError, ValueError) as error:
            raise Failure(f"could not save the model to {args.save}: {error}") from None
        print(f"model saved to {args.save}")
    if args.plot:
        from ..learn.plotting import plot_training
        try:
            plot_training(model, X, y, log, args.plot, loss)
        except (OSError, ValueError) as error:
            raise Failure(f"could not write the plot {args.plot}: {error}") from None
        print(f"plot saved to {args.plot}")
    if diverged(log.losses):
        raise Failure(f"training diverged: the loss grew from {loss_text(log.losses[0])} to "
                      f"{loss_text(log.losses[-1])}; the learning rate is probably too large: try a lower --lr "
                      f"(e.g. --lr {lr / 10:g}) or --clip 1{' (the model was saved anyway)' if args.save else ''}")
    return 0 if finished else 130


def diverged(losses: list[float]) -> bool:
    """The loss ended orders of magnitude above where it started (100 times, and at least 100).

    >>> diverged([1.0, 0.4, 0.2]), diverged([1.0, 3e4, 5.8e25])
    (False, True)
    """
    return losses[-1] > 100 * max(losses[0], 1.0)


def loss_text(loss: float) -> str:
    """A loss to read: 4 decimals, or scientific notation once it is large (a diverging run).

    >>> loss_text(0.123456), loss_text(5.875e25)
    ('0.1235', '5.875e+25')
    """
    return f"{loss:.4f}" if abs(loss) < 1e6 else f"{loss:.3e}"


class Progress:
    """``fit``'s ``on_step``: keeps the latest log and shows loss and accuracy on stderr, as a tqdm bar or
    (without tqdm) as a line every 10% of the steps."""

    def __init__(self, total: int):
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        self.total, self.done, self.log = total, 0, None
        self.bar = tqdm(total=total, unit='step', file=sys.stderr, mininterval=0.2) if tqdm else None

    def __call__(self, step: int, log) -> None:
        self.done, self.log = step + 1, log
        if self.bar is not None:
            self.bar.set_postfix(loss=loss_text(log.losses[-1]), acc=f'{log.accuracies[-1]:.0%}', refresh=False)
            self.bar.update(1)
        elif self.done % max(1, self.total // 10) == 0 or self.done == self.total:
            print(f"step {self.done}/{self.total}  loss {loss_text(log.losses[-1])}  accuracy {log.accuracies[-1]:.0%}",
                  file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
