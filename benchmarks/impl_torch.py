"""The workloads on PyTorch (float64, one thread): batched tensors for the MLP, 0-d tensors for the chains."""

from __future__ import annotations

from benchmarks.scalar import time_chain
from benchmarks.workloads import L2_ALPHA, mlp_shape

try:
    import torch
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("the PyTorch benchmarks need torch (CPU build): pip install torch") from error

torch.set_num_threads(1)  # tiny tensors; a second thread only adds noise on a shared 2-core machine
NAME = "torch"


class MlpStep:
    """The moons step with ``torch.nn.Sequential`` on the whole batch of samples at once."""

    def __init__(self, weights: list[float], xs: list[list[float]], ys: list[float], lr: float) -> None:
        self.initial = list(weights)
        layers = []
        shape = mlp_shape()
        for index, (nin, nout) in enumerate(shape):
            layers.append(torch.nn.Linear(nin, nout, dtype=torch.float64))
            if index < len(shape) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.linears = [m for m in self.model if isinstance(m, torch.nn.Linear)]
        self.x = torch.tensor(xs, dtype=torch.float64)
        self.y = torch.tensor(ys, dtype=torch.float64)
        self.lr = lr
        self.reset()

    def reset(self) -> None:
        position = 0
        with torch.no_grad():
            for linear in self.linears:
                nout, nin = linear.weight.shape
                block = torch.tensor(self.initial[position : position + nout * (nin + 1)], dtype=torch.float64)
                block = block.reshape(nout, nin + 1)
                linear.weight.copy_(block[:, :nin])
                linear.bias.copy_(block[:, nin])
                position += nout * (nin + 1)

    def _flat_grads(self) -> list[float]:
        # micrograd's order: neuron by neuron, its weights then its bias
        blocks = [torch.cat([m.weight.grad, m.bias.grad[:, None]], dim=1).reshape(-1) for m in self.linears]
        return torch.cat(blocks).tolist()

    def step(self, report: bool = False) -> tuple[float, list[float]] | None:
        parameters = list(self.model.parameters())
        scores = self.model(self.x).squeeze(1)
        data_loss = torch.relu(1.0 - self.y * scores).mean()
        loss = data_loss + L2_ALPHA * sum((p * p).sum() for p in parameters)
        self.model.zero_grad(set_to_none=False)
        loss.backward()
        result = (loss.item(), self._flat_grads()) if report else None
        with torch.no_grad():
            for p in parameters:
                p.sub_(self.lr * p.grad)
        return result


class WideSum:
    """Σ w[i] * x[i] with the builtin ``sum`` over 0-d tensors: one autograd node per scalar op."""

    def __init__(self, ws: list[float], xs: list[float]) -> None:
        self.w = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in ws]
        self.x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in xs]

    def run(self, report: bool = False) -> tuple[float, list[float]] | None:
        w, x = self.w, self.x
        if report:
            for v in w + x:
                v.grad = None
        total = sum(w[i] * x[i] for i in range(len(w)))
        total.backward()
        return (total.item(), [v.grad.item() for v in w + x]) if report else None


def deep_chain(n: int) -> dict:
    """x = x * 1.0001 + 0.0001, n times on a 0-d tensor, then ``backward``."""
    x0 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    x, forward_s, backward_s = time_chain(x0, n)
    return {"value": x.item(), "grad": x0.grad.item(), "forward_s": forward_s, "backward_s": backward_s}


def variant() -> str:
    """Which model the torch runs use."""
    return f"torch {torch.__version__} nn.Sequential, batched float64"
