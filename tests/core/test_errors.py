"""One error base class: every error micrograd_ext defines derives from MicrogradExtError and a builtin error."""
import importlib
import inspect
import pkgutil

import micrograd_ext
from micrograd_ext import MicrogradExtError

# exceptions that are not errors a user sees: a checker's verdict, the CLI's exit, a student's time running out
CONTROL_FLOW = {'NotYet', 'Failure', '_OutOfTime'}


def defined_exceptions():
    for info in pkgutil.walk_packages(micrograd_ext.__path__, 'micrograd_ext.'):
        if info.name.endswith('__main__'):  # importing it runs the command line
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and value.__module__ == module.__name__ and issubclass(value, BaseException)
                    and not issubclass(value, Warning) and value is not MicrogradExtError):
                yield value


def test_every_error_derives_from_the_base_and_keeps_a_builtin_base():
    errors = [error for error in defined_exceptions() if error.__name__ not in CONTROL_FLOW]
    assert len(errors) >= 11
    for error in errors:
        builtins = [base for base in error.__mro__ if base.__module__ == 'builtins' and base not in
                    (Exception, BaseException, object)]
        assert issubclass(error, MicrogradExtError) and builtins, error


def test_one_except_catches_them():
    from micrograd_ext.teach.expressions import build_graph
    try:
        build_graph('x +', {})
    except MicrogradExtError as error:
        assert isinstance(error, ValueError)
