"""Chapter 8, sections 8.4-8.6: GoogLeNet, batch normalization, ResNet/ResNeXt."""
import pytest
import torch
from torch import nn

import d2lmini as d2l
from d2lmini.models.batchnorm import BatchNorm, BNLeNet, BNLeNetScratch, batch_norm
from d2lmini.models.googlenet import GoogleNet, Inception
from d2lmini.models.resnet import Residual, ResNet18, ResNeXtBlock
from doubles import facts


def summary_shapes(model, shape, capsys):
    capsys.readouterr()
    model.layer_summary(shape)
    lines = capsys.readouterr().out.strip().splitlines()
    return [(line.split()[0], line.split("torch.Size(")[1].rstrip(")")) for line in lines]


def test_googlenet_summary_matches_d2l(capsys):
    assert summary_shapes(GoogleNet(), (1, 1, 96, 96), capsys) == [
        ("Sequential", "[1, 64, 24, 24]"), ("Sequential", "[1, 192, 12, 12]"),
        ("Sequential", "[1, 480, 6, 6]"), ("Sequential", "[1, 832, 3, 3]"),
        ("Sequential", "[1, 1024]"), ("Linear", "[1, 10]")]


def test_inception_output_channels_are_the_sum_of_the_branches():
    block = Inception(64, (96, 128), (16, 32), 32)
    assert block(torch.randn(2, 192, 12, 12)).shape == (2, 64 + 128 + 32 + 32, 12, 12)


def test_resnet18_summary_matches_d2l(capsys):
    assert summary_shapes(ResNet18(), (1, 1, 96, 96), capsys) == [
        ("Sequential", "[1, 64, 24, 24]"), ("Sequential", "[1, 64, 24, 24]"),
        ("Sequential", "[1, 128, 12, 12]"), ("Sequential", "[1, 256, 6, 6]"),
        ("Sequential", "[1, 512, 3, 3]"), ("Sequential", "[1, 10]")]


@pytest.mark.parametrize("model", [BNLeNetScratch, BNLeNet])
def test_bn_lenet_summary_matches_d2l(model, capsys):
    shapes = [s for _, s in summary_shapes(model(), (1, 1, 28, 28), capsys)]
    assert shapes == ["[1, 6, 24, 24]"] * 3 + ["[1, 6, 12, 12]"] + ["[1, 16, 8, 8]"] * 3 + [
        "[1, 16, 4, 4]", "[1, 256]"] + ["[1, 120]"] * 3 + ["[1, 84]"] * 3 + ["[1, 10]"]


def test_residual_block_shapes():
    X = torch.randn(4, 3, 6, 6)
    assert Residual(3)(X).shape == (4, 3, 6, 6)
    assert Residual(6, use_1x1conv=True, strides=2)(X).shape == (4, 6, 3, 3)


def test_resnext_block_has_the_number_of_groups_it_was_given():
    block = ResNeXtBlock(32, 16, 1)
    assert block(torch.randn(4, 32, 96, 96)).shape == (4, 32, 96, 96)
    bot_channels, groups = 32, 16
    assert block.conv2.groups == groups
    # d2l's groups=bot_channels // groups gives 2 groups and 32 * 16 * 9 weights.
    expected = bot_channels * (bot_channels // groups) * 9 + bot_channels
    assert sum(p.numel() for p in block.conv2.parameters()) == expected == 608


def test_resnext_block_rejects_uneven_groups():
    with pytest.raises(ValueError, match=facts("ResNeXtBlock", "32", "5", "groups")):
        ResNeXtBlock(32, 5, 1)


@pytest.mark.parametrize("num_dims, reference, shape", [
    (4, nn.BatchNorm2d, (8, 3, 5, 5)), (2, nn.BatchNorm1d, (16, 3))])
def test_scratch_batch_norm_matches_pytorch(num_dims, reference, shape):
    torch.manual_seed(0)
    ours, theirs = BatchNorm(3, num_dims), reference(3)
    for _ in range(3):  # training mode: batch statistics, moving averages updated
        X = torch.randn(*shape) * 3 + 2
        torch.testing.assert_close(ours(X), theirs(X))
    torch.testing.assert_close(ours.moving_mean.reshape(-1), theirs.running_mean)
    torch.testing.assert_close(ours.moving_var.reshape(-1), theirs.running_var)
    ours.eval(), theirs.eval()
    X = torch.randn(*shape)
    torch.testing.assert_close(ours(X), theirs(X))  # eval mode, gradients on
    with torch.no_grad():
        torch.testing.assert_close(ours(X), theirs(X))


def test_eval_mode_leaves_moving_statistics_alone():
    bn = BatchNorm(3, 4).eval()
    bn(torch.randn(4, 3, 2, 2))
    assert torch.equal(bn.moving_mean, torch.zeros(1, 3, 1, 1))


def test_batch_norm_function_defaults_to_d2ls_grad_rule():
    X = torch.randn(6, 2)
    mean, var = torch.zeros(1, 2), torch.ones(1, 2)
    with torch.no_grad():
        Y, m, v = batch_norm(X, 1.0, 0.0, mean, var, eps=1e-5, momentum=0.1)
    assert m is mean and v is var
    torch.testing.assert_close(Y, X / torch.sqrt(torch.tensor(1 + 1e-5)))


def test_moving_statistics_are_buffers():
    bn = BatchNorm(4, num_dims=4)
    assert set(bn.state_dict()) == {"gamma", "beta", "moving_mean", "moving_var"}
    bn.to(torch.float64)
    assert bn.moving_mean.dtype == bn.moving_var.dtype == torch.float64
    bn(torch.randn(2, 4, 3, 3, dtype=torch.float64))
    assert bn.moving_mean.dtype == torch.float64 and "moving_mean" in dict(bn.named_buffers())


def test_batch_norm_rejects_bad_shapes():
    with pytest.raises(ValueError, match=facts("BatchNorm", "num_dims", "2 or 4", "3")):
        BatchNorm(3, num_dims=3)
    with pytest.raises(ValueError, match=facts("batch_norm", "X", "2-D", "4-D", "(2, 3, 4)")):
        BatchNorm(3, num_dims=4)(torch.randn(2, 3, 4))


def test_parameter_counts():
    googlenet, resnet = GoogleNet(), ResNet18()
    googlenet(torch.zeros(1, 1, 96, 96)), resnet(torch.zeros(2, 1, 96, 96))
    assert d2l.num_params(googlenet) == 5_977_530
    assert d2l.num_params(resnet) == 11_178_378
