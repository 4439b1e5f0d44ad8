"""Convolution, pooling and batch norm agree with PyTorch (float64): forward, first and second order
on random configurations, and a PyTorch CNN's state dict in train and eval mode.

The numbers are PyTorch's, stored in tests/data/torch_conv_goldens.npz by
tools/crosscheck_conv_torch.py --write (which also checks fresh random cases live, with torch)."""
import json
import os

import numpy as np
import pytest

from tests.conv_torch_checks import case_count, check_case, check_cnn

PATH = os.path.join(os.path.dirname(__file__), "data", "torch_conv_goldens.npz")


@pytest.fixture(scope="module")
def archive():
    with np.load(PATH, allow_pickle=False) as stored:
        return dict(stored)


def test_the_archive_covers_every_op_and_setting(archive):
    metas = [json.loads(str(archive[f"{i}/meta"])) for i in range(case_count(archive))]
    ops = {m["op"] for m in metas}
    assert ops == {"conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm"}
    conv = [m["params"] for m in metas if m["op"].startswith("conv")]
    assert any(p["groups"] > 1 for p in conv) and any(p["padding"] == "same" for p in conv)
    assert any(max(p["dilation"]) > 1 for p in conv) and any(max(np.atleast_1d(p["stride"])) > 1 for p in conv)


def test_random_cases_match_pytorch(archive):
    for index in range(case_count(archive)):
        check_case(archive, index)


def test_a_pytorch_cnn_state_dict_gives_the_same_outputs_and_gradients(archive):
    check_cnn(archive)
