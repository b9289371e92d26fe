"""Figures are PNG, one per history, with the right curves."""
import d2lmini as d2l


def test_plot_history_draws_loss_and_accuracy_panels():
    history = d2l.History()
    for epoch in range(3):
        for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
            history.append(name, 0.1 * epoch)
        history.append("seconds", 1.0)
    fig = d2l.plot_history(history)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train loss", "val loss"]
    assert [line.get_label() for line in acc_ax.lines] == ["train acc", "val acc"]
    assert list(acc_ax.lines[1].get_xdata()) == [1, 2, 3]
    png = d2l.plot.figure_to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_loss_only_history_has_one_panel():
    history = d2l.History()
    history.append("train_loss", 1.0)
    history.append("seconds", 1.0)
    assert len(d2l.plot_history(history).axes) == 1


def test_training_curves_use_the_points_within_epochs():
    history = d2l.History()
    for epoch in range(2):
        for k, x in enumerate((epoch + 0.5, epoch + 1.0)):
            history.add_point("train_loss", x, 2.0 - x)
        history.append("train_loss", 1.0)
        history.append("val_loss", 1.5 - epoch)
        history.append("seconds", 1.0)
    (ax,) = d2l.plot_history(history).axes
    train, val = ax.lines
    assert list(train.get_xdata()) == [0.5, 1.0, 1.5, 2.0]
    assert list(val.get_xdata()) == [1, 2]
    assert ax.get_xlim()[0] == 0
