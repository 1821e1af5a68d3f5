"""The gradebook file (``classroom.gradebook``): rows appended whole, read back, kept across runs."""
import pytest

from micrograd_ext.classroom.bank import BANK
from micrograd_ext.classroom.gradebook import COLUMNS, GradebookFile, from_row, gradebook, summary
from micrograd_ext.classroom.grading import Graded

ADA = Graded('=ada.ipynb', ['layer', 'sgd_step'], 'ada', {'layer': 2, 'sgd_step': 0},
             feedback={'sgd_step': 'w_new: you gave 1, but it is 2.\nHint: subtract lr * grad.'},
             flags=['file-name'], problem='its metadata names the student ada, whom its file name does not mention')
BOB = Graded('bob.ipynb', ['layer'], 'bob', {'layer': 2}, flags=['key'], problem='this is a key')


def test_a_row_read_back_is_the_row_written():
    import csv
    [row] = csv.DictReader(gradebook([ADA]).splitlines())
    assert row['file'] == "'=ada.ipynb" and list(row) == COLUMNS
    back = from_row(row)
    assert (back.file, back.student, back.points, back.flags) == (ADA.file, 'ada', ADA.points, ['file-name'])
    assert back.problem == ADA.problem and 'Hint: subtract lr * grad.' in back.feedback['sgd_step']
    assert back.feedback_text() == ADA.feedback_text()


def test_a_held_row_scores_0_and_keeps_its_points():
    assert (BOB.score, BOB.earned, BOB.max_score) == (0, 2, 2)
    assert 'held at 0 by a flag' in summary([BOB, ADA])


def test_rows_are_kept_across_runs_but_a_cut_row_and_absent_students_are_written_again(tmp_path):
    path = tmp_path / 'grades.csv'
    book = GradebookFile(str(path))
    book.append(ADA)
    book.append(Graded('', student='cy', points={}, problem='no notebook was handed in', flags=['absent']))
    book.append(BOB)
    text = path.read_text()
    path.write_text(text[:-10])  # killed while writing bob's row
    again = GradebookFile(str(path))
    assert again.has('=ada.ipynb') and not again.has('bob.ipynb')
    assert [graded.student for graded in again.rows()] == ['ada']
    assert GradebookFile(str(path), regrade=True).rows() == []


def test_a_file_of_other_columns_is_not_taken_for_a_gradebook(tmp_path):
    path = tmp_path / 'grades.csv'
    path.write_text('name,grade\nada,3\n')
    with pytest.raises(ValueError, match='--regrade'):
        GradebookFile(str(path))
    assert path.read_text() == 'name,grade\nada,3\n'
    assert len(COLUMNS) == 6 + len(BANK)
