"""A GPT's config: every combination of options makes as many parameters as gpt_parameter_count says (what
load_model checks a file against before building anything), and bad options are clear errors."""
import itertools

import pytest

from micrograd_ext.learn.gpt_config import (GPT_OPTIONS, MICROGPT_OPTIONS, ZEROS, check_options, gpt_parameter_count,
                                            microgpt_sizes)
from micrograd_ext.learn.nn import ModelFileError
from micrograd_ext.learn.transformer import GPT

SIZES = {'vocab_size': 7, 'block_size': 3, 'n_embd': 4, 'n_head': 2, 'n_layer': 2}


@pytest.mark.parametrize('norm, norm_affine, bias, activation, embedding_norm, final_norm, tie_weights',
                         list(itertools.product(('layernorm', 'rmsnorm'), (True, False), (True, False),
                                                ('gelu', 'relu2', 'swiglu'), *[(True, False)] * 3)))
def test_the_count_of_every_combination_of_options_is_the_gpts(norm, norm_affine, bias, activation, embedding_norm,
                                                               final_norm, tie_weights):
    options = {'norm': norm, 'norm_affine': norm_affine, 'bias': bias, 'activation': activation,
               'embedding_norm': embedding_norm, 'final_norm': final_norm, 'tie_weights': tie_weights}
    gpt = GPT(**SIZES, seed=ZEROS, **options)
    assert gpt_parameter_count(gpt.config()) == len(gpt.parameters()) == len(gpt.state_dict())
    assert gpt.config() == {**SIZES, **{k: v for k, v in options.items() if v != GPT_OPTIONS[k]}}


def test_microgpts_count_and_todays_default():
    sizes = {'vocab_size': 27, 'block_size': 16, 'n_embd': 16, 'n_head': 4, 'n_layer': 1}
    assert gpt_parameter_count({**sizes, **MICROGPT_OPTIONS, 'bos': 26}) == 4192
    assert gpt_parameter_count(sizes) == len(GPT(**sizes, seed=0).parameters()) == 4459


def test_bad_options_in_a_file_are_model_file_errors_and_in_code_value_errors():
    with pytest.raises(ModelFileError, match="a GPT's norm_eps must be a positive number .*, got -1"):
        gpt_parameter_count({**SIZES, 'norm_eps': -1})
    with pytest.raises(ModelFileError, match="a GPT has no option 'dropout'"):
        check_options({'dropout': 0.1}, 7, ModelFileError)
    with pytest.raises(ValueError, match="a GPT's bos must be None or a token id from 0 to 6, got 7"):
        check_options({'bos': 7}, 7)
    assert check_options({}, 7) == GPT_OPTIONS and check_options({'norm_eps': 1}, 7)['norm_eps'] == 1.0


def test_microgpts_sizes_are_read_from_its_weights():
    rows = lambda n, m: [[0.0] * m for _ in range(n)]  # noqa: E731
    weights = {'wte': rows(5, 8), 'wpe': rows(3, 8), 'layer0.attn_wq': [], 'layer1.attn_wq': []}
    assert microgpt_sizes(weights, 2) == (5, 3, 8, 2, 2)
    for bad in ([], {'wte': rows(5, 8)}, {'wte': [1.0], 'wpe': rows(3, 8)}):
        with pytest.raises(ValueError, match="from_microgpt takes microgpt's state_dict"):
            microgpt_sizes(bad, 4)
