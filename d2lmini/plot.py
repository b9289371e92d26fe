"""Figures: training curves and image grids, always as PNG.

d2l redraws an SVG every few batches, so a saved page can hold dozens of
overlapping curves. Here a figure is drawn once per epoch and rendered to
PNG bytes, and pyplot is imported only when a figure is made.
"""
import io

__all__ = ["plot_history", "figure_to_png", "show_images", "set_figsize"]


def _pyplot():
    import matplotlib.pyplot as plt
    return plt


def set_figsize(figsize=(3.5, 2.5)):
    """d2l's ``set_figsize``: the default size of new figures, in inches."""
    _pyplot().rcParams["figure.figsize"] = figsize


def plot_history(history, title=None):
    """Loss (left) and accuracy (right) over the epochs, training vs validation.

    Training curves use the points recorded several times an epoch
    (``history.points``) where there are any; validation is measured once
    an epoch. Returns the matplotlib figure without showing it.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    metrics = history.metrics
    has_acc = any(name.endswith("_acc") for name in metrics)
    # Fixed margins: a constrained layout would draw the figure twice.
    fig = Figure(figsize=(7.0 if has_acc else 3.6, 2.8))
    fig.subplots_adjust(left=0.1 if has_acc else 0.2, right=0.98, bottom=0.17,
                        top=0.88 if title else 0.96, wspace=0.3)
    axes = fig.subplots(1, 2 if has_acc else 1, squeeze=False)[0]
    for ax, kind in zip(axes, ("loss", "acc")):
        for split, style in (("train", "-"), ("val", "--")):
            name = f"{split}_{kind}"
            points = history.points.get(name) or list(enumerate(metrics.get(name, []), 1))
            if points:
                epochs, values = zip(*points)
                ax.plot(epochs, values, style, marker="o", markersize=3, label=f"{split} {kind}")
        ax.set_xlabel("epochs done")
        ax.set_xlim(left=0)
        # Whole epochs on the axis, except for a run too short to show any between 0 and its end.
        ax.xaxis.set_major_locator(MaxNLocator(integer=len(history) >= 3, nbins=6))
        ax.set_ylabel("accuracy" if kind == "acc" else "loss")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def figure_to_png(fig, dpi=100):
    """Render a matplotlib figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """d2l's ``show_images``: a grid of images with optional titles.

    ``imgs`` is a sequence (or tensor) of 2-D images. Returns the axes.
    """
    plt = _pyplot()
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        if hasattr(img, "detach"):
            img = img.detach().cpu().numpy()
        ax.imshow(img, cmap="gray")
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles is not None and i < len(titles):
            ax.set_title(str(titles[i]))
    return axes
