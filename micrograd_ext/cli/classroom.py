"""The classroom's commands: ``micrograd-ext exercises new|key|gradescope|list`` and ``micrograd-ext grade``."""
from __future__ import annotations

import importlib.util
import os
import stat
import sys

from .arguments import PROG, Failure, add_command, number, output_file
from ..classroom.bank import BANK

MAX_STUDENTS = 10_000
MAX_ROSTER_BYTES = 1_000_000  # 10,000 ids of up to 64 characters fit


def register(commands) -> None:
    add_exercises_parser(commands)
    add_grade_parser(commands)


def add_exercises_parser(commands) -> None:
    exercises = add_command(commands, 'exercises', "the exercise bank: students' notebooks and the key",
                            'Write a notebook per student with their own numbers (new), the solved notebook for a '
                            'student (key), a Gradescope autograder that grades them (gradescope), or list the bank '
                            '(list).', run_list)
    kinds = exercises.add_subparsers(dest='action', required=True, metavar='ACTION')
    for action, summary, run in (('new', "write each student's notebook, without solutions", run_new),
                                 ('key', "write each student's solved notebook, for the teacher", run_key)):
        made = add_command(kinds, action, summary, f"{summary[0].upper()}{summary[1:]}: DIR/ID.ipynb, e.g. "
                           f"micrograd-ext exercises {action} --student ada --student bob -o {action}", run)
        made.add_argument('--student', action='append', default=[], metavar='ID',
                          help='a student id (letters, digits, . _ @ + -); repeat it for more students')
        made.add_argument('--roster', metavar='FILE', help='a text file with one student id per line')
        made.add_argument('--exercise', action='append', choices=list(BANK), metavar='NAME',
                          help=f"only these exercises (repeatable): {', '.join(BANK)}")
        made.add_argument('-o', '--output', required=True, metavar='DIR', help='the folder to write the notebooks to')
        made.add_argument('--force', action='store_true', help='overwrite notebooks that exist already')
    add_gradescope_parser(kinds)
    add_command(kinds, 'list', 'list the exercises of the bank and their points', 'List the bank.', run_list)


def add_gradescope_parser(kinds) -> None:
    from ..classroom.grading import MEMORY, TIMEOUT
    made = add_command(kinds, 'gradescope', 'write a Gradescope autograder (a zip) for the notebooks',
                       "Write the zip to upload as a Gradescope programming assignment's autograder: it grades the "
                       "notebook each student hands in, against the student in its metadata, running it as an "
                       'unprivileged user of the container, e.g. micrograd-ext exercises gradescope -o autograder.zip',
                       run_gradescope)
    made.add_argument('-o', '--output', required=True, type=output_file(lambda: ('zip',)), metavar='ZIP',
                      help='the autograder zip to write')
    made.add_argument('--exercise', action='append', choices=list(BANK), metavar='NAME',
                      help='the exercises handed out (repeatable; default: the whole bank), as given to exercises new')
    made.add_argument('--timeout', type=number(int, 3600), default=TIMEOUT, metavar='SECONDS',
                      help='time limit per cell')
    made.add_argument('--memory', type=number(int, 1_000_000, 256), default=MEMORY, metavar='MB',
                      help='memory limit per process of a notebook, in megabytes')


def run_gradescope(args, parser) -> int:
    from ..classroom.gradescope import build_autograder
    exercises = list(dict.fromkeys(args.exercise or BANK))
    try:
        names = build_autograder(args.output, exercises, args.timeout, args.memory)
    except OSError as error:
        raise Failure(f'cannot write {args.output} ({error.strerror or error}); choose another path') from None
    except RuntimeError as error:  # not installed: its requirements are unknown
        raise Failure(str(error)) from None
    print(f"wrote {args.output}: {len(names)} files, grading {len(exercises)} exercises "
          f"({sum(BANK[name].points for name in exercises)} points)")
    return 0


def read_roster(path: str, parser) -> list[str]:
    """The student ids in the roster file ``path``: one per line; blank lines and lines starting with # are left
    out, and a spreadsheet's byte-order mark too. Usage errors name what is wrong."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device (/dev/zero) would never end
            parser.error(f'--roster {path} is not a regular file: give a text file with one student id per line')
        with open(os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0)), encoding='utf-8-sig') as roster:
            text = roster.read(MAX_ROSTER_BYTES + 1)
        if len(text) > MAX_ROSTER_BYTES:
            parser.error(f'--roster {path} is larger than {MAX_ROSTER_BYTES // 1_000_000} MB: is it a roster, one '
                         'student id per line?')
        ids = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith('#')]
    except (OSError, UnicodeDecodeError) as error:
        parser.error(f'--roster {path}: cannot be read ({getattr(error, "strerror", None) or error})')
    if not ids:
        parser.error(f'--roster {path} names no student: write one student id per line')
    return checked_ids(ids, parser)


def checked_ids(ids: list[str], parser) -> list[str]:
    """``ids``, each a valid student id, none two differing only in case (else a usage error)."""
    from ..classroom.sheet import student_id
    for text in ids:
        try:
            student_id(text)
        except ValueError as error:
            parser.error(str(error))
    folded: dict[str, str] = {}
    for text in ids:  # Ada.ipynb and ada.ipynb are one file on macOS and Windows
        if folded.setdefault(text.lower(), text) != text:
            parser.error(f'the ids {folded[text.lower()]!r} and {text!r} differ only in case; their notebooks would '
                         'be one file on macOS and Windows')
    return ids


def students_of(args, parser) -> list[str]:
    """The ids from --student and --roster (duplicates once), checked."""
    ids = list(dict.fromkeys([*args.student, *(read_roster(args.roster, parser) if args.roster else [])]))
    if not ids:
        parser.error('give at least one --student ID (or a --roster file)')
    if len(ids) > MAX_STUDENTS:
        parser.error(f'{len(ids)} students: at most {MAX_STUDENTS} at a time')
    return checked_ids(ids, parser)


def write(args, parser, solutions: bool) -> int:
    from ..classroom.notebooks import write_notebooks
    students = students_of(args, parser)
    if os.path.exists(args.output) and not os.path.isdir(args.output):
        parser.error(f'-o {args.output} is a file; give a folder')
    try:
        paths = write_notebooks(students, args.output, solutions, args.exercise, overwrite=args.force)
    except FileExistsError as error:
        raise Failure(f'{error} with --force') from None
    except ImportError as error:  # the notebooks extra is not installed
        raise Failure(str(error)) from None
    except OSError as error:
        raise Failure(f'cannot write to {args.output} ({error.strerror or error}); choose another folder') from None
    kind = 'solved notebook' if solutions else 'notebook'
    print(f"wrote {len(paths)} {kind}{'s' if len(paths) != 1 else ''} to {args.output}: "
          f"{', '.join(os.path.basename(p) for p in paths[:5])}{', ...' if len(paths) > 5 else ''}")
    return 0


def run_new(args, parser) -> int:
    return write(args, parser, solutions=False)


def run_key(args, parser) -> int:
    return write(args, parser, solutions=True)


def run_list(args, parser) -> int:
    for number_, entry in enumerate(BANK.values(), 1):
        print(f'{number_:>2}. {entry.name:<24} {entry.points} points  {entry.title}')
    print(f'{len(BANK)} exercises, {sum(entry.points for entry in BANK.values())} points')
    return 0


def notebooks_of(paths: list[str], parser) -> list[str]:
    """The .ipynb files among ``paths`` (the others are named on stderr and left out); a missing path or a
    folder is a usage error."""
    for path in paths:
        if not os.path.exists(path):
            parser.error(f'{path}: no such file (a pattern such as *.ipynb that matched nothing stays as it is)')
        if os.path.isdir(path):
            parser.error(f'{path} is a folder: give the notebooks in it, e.g. {os.path.join(path, "*.ipynb")}')
    notebooks = [path for path in paths if path.lower().endswith('.ipynb')]
    for path in paths:
        if path not in notebooks:
            print(f'{PROG} grade: left out {path}: not a notebook (.ipynb)', file=sys.stderr)
    if not notebooks:
        parser.error('none of the files is a notebook (.ipynb)')
    return notebooks


def add_grade_parser(commands) -> None:
    from ..classroom.grading import MEMORY, NOTEBOOK_TIMEOUT, TIMEOUT
    grade = add_command(commands, 'grade', "grade students' notebooks into a CSV gradebook",
                        'Run each notebook in a sandbox of its own (bubblewrap: no network, nothing of yours to see, '
                        'time, memory and process limits), judge the answers it gives outside it, against the student '
                        'in its metadata, and append one CSV row per file as it is graded; then print a class '
                        'summary, e.g. micrograd-ext grade submissions/*.ipynb --csv grades.csv. Run again, it grades '
                        'only the files without a row.', run_grade)
    grade.add_argument('files', nargs='+', metavar='FILE', help='the submitted notebooks')
    grade.add_argument('--csv', required=True, type=output_file(lambda: ('csv',)), metavar='GRADES.csv',
                       help='the gradebook: rows are added to it as notebooks are graded')
    grade.add_argument('--regrade', action='store_true',
                       help='grade every file again (default: only those without a row in --csv)')
    grade.add_argument('--timeout', type=number(int, 3600), default=TIMEOUT, metavar='SECONDS',
                       help='time limit per cell')
    grade.add_argument('--notebook-timeout', type=number(int, 86_400), default=NOTEBOOK_TIMEOUT, metavar='SECONDS',
                       help='time limit per notebook, after which its sandbox is killed')
    grade.add_argument('--memory', type=number(int, 1_000_000, 256), default=MEMORY, metavar='MB',
                       help='memory limit per process of a notebook, in megabytes')
    grade.add_argument('--jobs', type=number(int, 256), default=os.cpu_count() or 1, metavar='N',
                       help='notebooks graded at the same time')
    grade.add_argument('--roster', metavar='FILE',
                       help='the class, one student id per line: who handed in nothing gets a row too, and copies '
                            'are looked for against every student on it')
    grade.add_argument('--exercise', action='append', choices=list(BANK), metavar='NAME',
                       help="the exercises handed out (repeatable; default: those each notebook's metadata lists)")
    where = grade.add_mutually_exclusive_group()
    where.add_argument('--sandbox', default='bwrap', metavar='KIND',
                       help='bwrap (the default: bubblewrap), or user:NAME to run notebooks as the unprivileged '
                            'user NAME where the machine is itself a sandbox (a Gradescope container)')
    where.add_argument('--no-sandbox', dest='sandbox', action='store_const', const='none',
                       help="run notebooks unconfined, as you: a notebook can then forge its grade and others'")


def run_grade(args, parser) -> int:
    missing = [name for name in ('nbclient', 'nbformat', 'ipykernel') if importlib.util.find_spec(name) is None]
    if missing:
        raise Failure(f"grading runs notebooks with {', '.join(missing)}, which is not installed: "
                      "pip install 'micrograd-ext[notebooks]'")
    from ..classroom.gradebook import GradebookFile, summary
    from ..classroom.grading import grade
    from ..classroom.sandbox import NoSandbox, Sandbox
    if args.roster and os.path.exists(args.csv) and os.path.samefile(args.roster, args.csv):
        parser.error(f'--csv {args.csv} is the roster: writing the gradebook would replace it; choose another file')
    roster = read_roster(args.roster, parser) if args.roster else None
    files = notebooks_of(args.files, parser)
    try:
        sandbox = Sandbox(args.sandbox)
    except NoSandbox as error:
        raise Failure(str(error)) from None
    if sandbox.forgeable:
        print(f'{PROG} grade: --no-sandbox: notebooks run unconfined, as you; a notebook can read the key and forge '
              'its own and others\' grades', file=sys.stderr)
    try:
        book = GradebookFile(args.csv, args.regrade)
    except ValueError as error:
        raise Failure(str(error)) from None
    done = [path for path in files if book.has(path)]
    if done:
        print(f'{PROG} grade: {len(done)} of the files have their row in {args.csv} already (--regrade grades them '
              'again)', file=sys.stderr)
    grade(files, args.timeout, args.memory, args.notebook_timeout, args.jobs, args.exercise, roster, sandbox, done,
          book.append)
    print(summary(book.rows()))
    print(f'wrote {args.csv}')
    return 0
