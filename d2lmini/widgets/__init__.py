"""Interactive figures for the course (anywidget): they work in Jupyter, Colab
and in the static HTML book (the saved widget state drives them, no kernel).

* `KernelPlayground`       - a kernel sliding over an image (§7.2)
* `PaddingStrideExplorer`  - padding, stride and dilation vs. output shape (§7.3)
* `ChannelsView`           - multiple input and output channels (§7.4)
* `PoolingExplorer`        - max and average pooling (§7.5)
* `FeatureMapBrowser`      - feature maps of a trained network layer by layer
* `ReceptiveFieldView`     - what a unit of a deep layer sees of the input
"""
import importlib as _importlib
import warnings as _warnings

__all__ = []

# Each widget lives in its own module; one that is missing or broken must not
# stop the others from importing (they are written by different authors).
for _module, _name in [("kernel", "KernelPlayground"),
                       ("padding", "PaddingStrideExplorer"),
                       ("channels", "ChannelsView"),
                       ("pooling", "PoolingExplorer"),
                       ("feature_maps", "FeatureMapBrowser"),
                       ("receptive_field", "ReceptiveFieldView")]:
    try:
        globals()[_name] = getattr(_importlib.import_module(f".{_module}", __name__), _name)
    except ModuleNotFoundError as _error:
        if _error.name != f"{__name__}.{_module}":
            _warnings.warn(f"d2lmini.widgets.{_name} is unavailable: {_error!r}", stacklevel=2)
    except Exception as _error:  # a broken widget must not take the others down
        _warnings.warn(f"d2lmini.widgets.{_name} is unavailable: {_error!r}", stacklevel=2)
    else:
        __all__.append(_name)
del _module, _name
