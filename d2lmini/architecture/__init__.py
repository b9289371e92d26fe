"""A model's architecture as a graph, read from the model's own code (d2l §7.6-§8.6).

``graph(model, X_shape)`` runs ``model`` once on zeros of shape ``X_shape``
and returns plain JSON-able data: for the model and for every block inside
it, the blocks and functions its ``forward`` calls, how data flows between
them, and each one's output shape, parameters and multiply-accumulates;
for the whole model, its stages and where its parameters and MACs are.
`d2lmini.widgets.ArchitectureView` draws it; nothing here needs a widget.

One module per job, each read in one sitting:

* ``labels``  - how things are named: layer labels, `layer_summary` rows, numbers
* ``trace``   - one level read with torch.fx (every submodule a leaf), run on the real input
* ``calls``   - the fallback for a ``forward`` torch.fx cannot trace: the order of the calls
* ``stages``  - the whole model as stages and a head; what each block holds; the shares
* ``reader``  - `graph`: run the model once, read every level from the model down

What is counted
---------------
* ``params``: the trainable parameters of a node's module (or of a
  parameter used directly) that no earlier node of the same level has
  counted, so a level's nodes add up to ``d2lmini.num_params`` of its
  module (when the forward uses all of them).
* ``macs``: multiply-accumulates of the convolution and linear layers run
  inside the node, per image, counted by `d2lmini.stats.MacCounter`, the
  counter of ``d2lmini.count_macs``.
* ``row``: the line ``d2lmini.layer_summary`` prints for the node,
  ``"Conv2d output shape:\\t torch.Size([1, 6, 28, 28])"`` (`labels.summary_row`).
"""
from .calls import units
from .labels import comma, describe, human, percent, summary_row
from .reader import MAX_DEPTH, MAX_NODES, graph, stage_names
from .stages import split_stages, summary

__all__ = ["graph", "describe", "MAX_DEPTH", "MAX_NODES", "split_stages", "summary",
           "stage_names", "summary_row", "units", "human", "comma", "percent"]
