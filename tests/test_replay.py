"""The replay (grader/computation/replay.py): the network a recorded graph describes computes what the
student's network computes, or is refused with a reason."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from grader import build
from grader.computation.record import record
from grader.computation.replay import NotReplayable, Replay
from grader.computation.weights import fill, use_order_weights
from grader.spec import ALL_MODULES, NETWORKS


def graphs_of(model: nn.Module, shape) -> dict:
    graphs = {}
    for mode in ("train", "eval"):
        model.train(mode == "train")
        graphs[mode] = record(model, torch.zeros(shape))
    return graphs


def outputs(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval and training-mode outputs with the weights set by order of use (dropout seeded alike)."""
    use_order_weights(model, x)
    with torch.no_grad():
        model.eval()
        evaluated = model(x)
        model.train()
        torch.manual_seed(5)
        trained = model(x)
    return evaluated, trained


REPLAYABLE = [m for m in ALL_MODULES if not NETWORKS[m].opaque]


@pytest.mark.parametrize("module", REPLAYABLE)
def test_the_replay_computes_what_the_reference_computes(module):
    spec = NETWORKS[module]
    torch.manual_seed(0)
    model = build.build(build.load_module("solutions", module), spec.call, "cpu", spec.input_shape)
    shape = (2, *spec.input_shape[1:])
    replay = Replay(graphs_of(model, shape))
    x = torch.randn(shape)
    for theirs, ours in zip(outputs(model, x), outputs(replay, x)):
        assert torch.allclose(theirs, ours, rtol=1e-5, atol=1e-6)
    assert sum(p.numel() for p in replay.parameters()) == spec.params
    assert [type(m) for m in replay.modules() if isinstance(m, nn.Conv2d)], "the replay's layers are plain ones"


class FlattenByTranspose(nn.Module):
    def forward(self, x):
        return x.transpose(0, 1).reshape(x.shape[0], -1)     # mixes the images: transposed, then cut


def test_a_reshape_that_mixes_the_batch_is_replayed_as_written():
    model = nn.Sequential(nn.Conv2d(1, 3, 3), FlattenByTranspose())
    replay = Replay(graphs_of(model, (2, 1, 5, 5)), batch=2)
    x = torch.randn(3, 1, 5, 5)
    with torch.no_grad():
        use_order_weights(model, x)
        use_order_weights(replay, x)
        assert torch.equal(model.eval()(x), replay.eval()(x))      # recorded with 2 images, run with 3


class HandMade(nn.Module):
    def forward(self, x):
        return x.flatten(1)[:, :10] * 0


@pytest.mark.parametrize("model, words", [
    (HandMade(), "'__getitem__', an operation none of the chapter's networks uses"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.LeakyReLU(0.3)), "leaky_relu with arguments"),
])
def test_what_cannot_be_replayed_is_refused_with_its_reason(model, words):
    with pytest.raises(NotReplayable, match=words.replace("(", r"\(").replace("'", "'")):
        Replay(graphs_of(model, (2, 1, 8, 8)))


def test_a_forward_pass_that_raised_is_refused():
    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")
    with pytest.raises(NotReplayable, match="raised"):
        Replay(graphs_of(Broken(), (2, 1, 8, 8)))


def test_the_proofs_weights_do_not_depend_on_threads_layout_or_dtype():
    """Both processes of a proof must draw the same numbers: drawn straight into a float32 tensor, through a
    copy into a transposed or float64 one, with one thread or two."""
    threads = torch.get_num_threads()
    try:
        drawn = []
        for count in (1, 2):
            torch.set_num_threads(count)
            plain = torch.empty(64, 300)
            fill(plain, 3, "parameter")
            drawn.append(plain)
        transposed = torch.empty(300, 64).t()
        fill(transposed, 3, "parameter")
        wide = torch.empty(64, 300, dtype=torch.float64)
        fill(wide, 3, "parameter")
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(drawn[0], drawn[1]) and torch.equal(drawn[0], transposed)
    assert torch.equal(drawn[0].double(), wide)
    other = torch.empty(64, 300)
    fill(other, 4, "parameter")
    assert not torch.equal(drawn[0], other), "another occurrence of the shape gets other numbers"
    assert drawn[0].abs().max() <= (6 / 300) ** 0.5
