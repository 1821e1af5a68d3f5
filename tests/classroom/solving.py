"""The answers a notebook cell defines, run as the notebook would run it: for checking the bank's exercises."""
from micrograd_ext.classroom import BANK


def cell_answers(name: str, student: str, solved: bool = True) -> tuple:
    """The answers (in the order ``sheet.check`` takes them) that ``student``'s answer cell of ``name`` defines:
    the key's cell if ``solved``, else the empty starter cell (whose functions raise NotImplementedError)."""
    entry = BANK[name]
    numbers = entry.numbers_for(student)
    namespace: dict = {}
    exec(entry.solution_code(numbers) if solved else entry.starter_code(numbers), namespace)
    return tuple(namespace[answer] for answer in entry.answer_names(numbers))
