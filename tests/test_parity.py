"""d2l.ai-style code runs unchanged with ``import d2lmini as d2l``.

(Which names d2lmini offers, and that each is d2l's, is tests/test_d2l_surface.py's job.)
The last test runs d2l.ai-style code for §7.6 (LeNet with add_to_class,
layer_summary, apply_init with init_cnn, Trainer.fit) unchanged.
"""
import pytest
import torch
from torch import nn

import d2lmini as d2l

def test_unknown_name_says_so():
    with pytest.raises(AttributeError, match="no attribute 'not_a_d2l_name'"):
        d2l.not_a_d2l_name


def test_d2l_style_lenet_code_runs_unchanged(capsys):
    library_layer_summary = d2l.Classifier.layer_summary
    class LeNet(d2l.Classifier):
        def __init__(self, lr=0.1, num_classes=10):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(
                nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.LazyConv2d(16, kernel_size=5), nn.Sigmoid(),
                nn.AvgPool2d(kernel_size=2, stride=2),
                nn.Flatten(),
                nn.LazyLinear(120), nn.Sigmoid(),
                nn.LazyLinear(84), nn.Sigmoid(),
                nn.LazyLinear(num_classes))

    @d2l.add_to_class(d2l.Classifier)
    def layer_summary(self, X_shape):
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, 'output shape:\t', X.shape)

    try:
        model = LeNet()
        model.layer_summary((1, 1, 28, 28))
        assert capsys.readouterr().out.splitlines()[-1] == "Linear output shape:\t torch.Size([1, 10])"
        torch.manual_seed(0)
        trainer = d2l.Trainer(max_epochs=1, num_gpus=1, callbacks=[])
        data = d2l.FashionMNIST(batch_size=256, n_train=2048, n_val=512)
        model = LeNet(lr=0.9)
        model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
        trainer.fit(model, data)
        assert len(trainer.history.val_acc) == 1
    finally:
        # The notebook-style add_to_class replaced the library's method: put it back.
        d2l.Classifier.layer_summary = library_layer_summary
