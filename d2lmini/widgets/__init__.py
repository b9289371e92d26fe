"""Interactive figures for the course (anywidget): they work in Jupyter, Colab
and in the static HTML book (the saved widget state drives them, no kernel).

* `LocalityView`           - a dense layer vs a convolution: locality, weight sharing, shifts (§7.1)
* `KernelPlayground`       - a kernel sliding over an image (§7.2)
* `PaddingStrideExplorer`  - padding, stride and dilation vs. output shape (§7.3)
* `ChannelsView`           - multiple input and output channels (§7.4)
* `PoolingExplorer`        - max and average pooling (§7.5)
* `FeatureMapBrowser`      - feature maps of a trained network layer by layer
* `ReceptiveFieldView`     - what a unit of a deep layer sees of the input
* `ArchitectureView`       - a model's blocks, shapes, parameters and MACs, from its code (§7.6-§8.6)
* `BatchNormView`          - batch-norm statistics per channel: train vs eval, batch sizes (§8.5)
"""
from .architecture import ArchitectureView
from .batchnorm import BatchNormView
from .channels import ChannelsView
from .feature_maps import FeatureMapBrowser
from .kernel import KernelPlayground
from .locality import LocalityView
from .padding import PaddingStrideExplorer
from .pooling import PoolingExplorer
from .receptive_field import ReceptiveFieldView

__all__ = ["LocalityView", "KernelPlayground", "PaddingStrideExplorer", "ChannelsView",
           "PoolingExplorer", "FeatureMapBrowser", "ReceptiveFieldView", "ArchitectureView",
           "BatchNormView"]
