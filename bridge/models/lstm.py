"""The Magenta events-RNN forward pass in numpy: stacked BasicLSTMCells, optional attention, softmax layer.

Same maths as Magenta's graph (`events_rnn_graph.make_rnn_cell` + `tf_slim.layers.linear`):
- BasicLSTMCell: gates = [x, h] @ kernel + bias split as (i, j, f, o);
  c' = c * sigmoid(f + 1.0) + sigmoid(i) * tanh(j); h' = tanh(c') * sigmoid(o).
- AttentionCellWrapper (magenta.contrib.rnn): x' = [x, attns] @ W_in + b_in; run the wrapped cell;
  query = concat(flatten(new cell state)); attention over the last `attn_length` outputs:
  s_k = v . tanh(mem_k @ attn_w + query @ W_q + b_q), a = softmax(s), attns' = sum_k a_k mem_k;
  output = [cell_output, attns'] @ W_out + b_out; mem drops its oldest row and appends `output`.
- Layouts: "plain" (no attention), "first" (Magenta 2.1.x: wrapper on cell 0 only) and "wrapped"
  (published bundles: wrapper around the whole MultiRNNCell).

Speed (all float32, one step is a handful of matrix-vector products):
- inputs are sparse (one-hot + a few +-1 counters), so the input projection is a sum of kernel rows;
  with attention the wrapper's input projection is folded into the first LSTM kernel
  (x @ W_in_x @ K_x precomputed), so the dense 518-wide x' is never formed;
- [attns, h] (or [x_prev, h]) @ kernel is one fused matmul per layer; the gate columns are reordered
  to (i, f, o, j) and the sigmoid ones halved so one tanh over all gates gives every nonlinearity;
- the attention memory is a ring buffer whose rows' `mem_k @ attn_w` are cached when a row is written
  (softmax and the weighted sum do not depend on row order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bridge.models.errors import UnsupportedModelError

FORGET_BIAS = 1.0


@dataclass(frozen=True)
class NetworkShape:
    """Hyper-parameters of one network, as read from the checkpoint (and metagraph for attention length)."""

    layout: str  # "plain" | "first" | "wrapped"
    layer_sizes: tuple[int, ...]
    attn_length: int
    input_size: int
    num_classes: int

    @property
    def attn_size(self) -> int:
        """Width of an attention vector (the wrapped cell's output size)."""
        if self.layout == "first":
            return self.layer_sizes[0]
        if self.layout == "wrapped":
            return self.layer_sizes[-1]
        return 0


def _f32(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float32)


def _prepare_gates(kernel: np.ndarray, bias: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Reorder TF's (i, j, f, o) gate columns to (i, f, o, j), add the forget bias and halve the
    sigmoid gates, so one tanh over all gates gives sigmoid(x) = 0.5 * tanh(x / 2) + 0.5 and tanh(j)."""
    n = kernel.shape[1] // 4
    if kernel.shape[1] % 4 or bias.shape != (kernel.shape[1],):
        raise UnsupportedModelError(f"{name} bias has shape {bias.shape}, kernel {kernel.shape}: "
                                    "expected a bias of 4 x units and a kernel with 4 x units columns")
    order = np.r_[0:n, 2 * n:3 * n, 3 * n:4 * n, n:2 * n]
    kernel = kernel.astype(np.float64)[:, order]
    bias = bias.astype(np.float64)[order]
    bias[n:2 * n] += FORGET_BIAS
    kernel[:, :3 * n] *= 0.5
    bias[:3 * n] *= 0.5
    return kernel, bias


class NetworkState:
    """Recurrent state of one stream: LSTM c/h per layer, attention vector and memory ring, last logits."""

    __slots__ = ("c", "h", "attns", "mem", "mem_features", "mem_pos", "logits", "out")

    def __init__(self, shape: NetworkShape) -> None:
        self.c = [np.zeros(n, np.float32) for n in shape.layer_sizes]
        self.h = [np.zeros(n, np.float32) for n in shape.layer_sizes]
        size = shape.attn_size
        self.attns = np.zeros(size, np.float32)
        self.mem = np.zeros((shape.attn_length, size), np.float32)
        self.mem_features = np.zeros((shape.attn_length, size), np.float32)
        self.mem_pos = 0
        self.logits = np.zeros(shape.num_classes, np.float32)
        self.out = np.zeros(shape.layer_sizes[-1] if shape.layout != "wrapped" else size, np.float32)

    def copy(self) -> NetworkState:
        """An independent copy (for branching a response from a fed call)."""
        other = NetworkState.__new__(NetworkState)
        other.c = [a.copy() for a in self.c]
        other.h = [a.copy() for a in self.h]
        other.attns = self.attns.copy()
        other.mem = self.mem.copy()
        other.mem_features = self.mem_features.copy()
        other.mem_pos = self.mem_pos
        other.logits = self.logits.copy()
        other.out = self.out.copy()
        return other


class Network:
    """Weights of one events RNN prepared for fast single-stream steps."""

    def __init__(self, shape: NetworkShape, weights: dict[str, np.ndarray]) -> None:
        """`weights` uses canonical names: lstm{i}/kernel|bias, attn/{in,query,out}_{kernel,bias},
        attn/attn_w (A x A), attn/attn_v, softmax/kernel|bias."""
        self.shape = shape
        sizes = shape.layer_sizes
        attn = shape.attn_size
        d = shape.input_size
        self.hidden = sizes
        self.in_proj: np.ndarray  # input_size x 4H0: sparse input rows
        self.rec: list[np.ndarray] = []  # per layer: [input part | h] @ rec + bias (input part empty for layer 0 plain)
        self.bias: list[np.ndarray] = []
        for i in range(len(sizes)):
            kernel, bias = _prepare_gates(weights[f"lstm{i}/kernel"], weights[f"lstm{i}/bias"], f"cell_{i}")
            if i == 0:
                k_x, k_h = kernel[:d], kernel[d:]
                if shape.layout == "plain":
                    self.in_proj = _f32(k_x)
                    rec = k_h
                else:
                    w_in = weights["attn/in_kernel"].astype(np.float64)
                    b_in = weights["attn/in_bias"].astype(np.float64)
                    self.in_proj = _f32(w_in[:d] @ k_x)
                    rec = np.vstack([w_in[d:] @ k_x, k_h])  # rows: attns then h
                    bias = bias + b_in @ k_x
            else:
                rec = kernel  # rows: previous layer output then h
            self.rec.append(_f32(rec))
            self.bias.append(_f32(bias))
        if shape.layout != "plain":
            self.attn_w = _f32(weights["attn/attn_w"].reshape(attn, attn))
            self.attn_v = _f32(weights["attn/attn_v"])
            self.q_kernel = _f32(weights["attn/query_kernel"])
            self.q_bias = _f32(weights["attn/query_bias"])
            self.o_kernel = _f32(weights["attn/out_kernel"])
            self.o_bias = _f32(weights["attn/out_bias"])
        self.sm_kernel = _f32(weights["softmax/kernel"])
        self.sm_bias = _f32(weights["softmax/bias"])
        self.parameter_count = int(sum(np.asarray(w).size for w in weights.values()))
        self._check()

    def _check(self) -> None:
        """Shapes must chain; a mismatch means a bundle this reader does not understand."""
        s = self.shape
        a = s.attn_size
        expected: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
            ("input projection of cell 0", self.in_proj.shape, (s.input_size, 4 * s.layer_sizes[0]))]
        for i, hidden in enumerate(s.layer_sizes):
            if i == 0:
                rows = hidden + (a if s.layout != "plain" else 0)
            else:
                rows = (a if (i == 1 and s.layout == "first") else s.layer_sizes[i - 1]) + hidden
            expected.append((f"cell_{i} kernel", self.rec[i].shape, (rows, 4 * hidden)))
            expected.append((f"cell_{i} bias", self.bias[i].shape, (4 * hidden,)))
        out = a if s.layout == "wrapped" or (s.layout == "first" and len(s.layer_sizes) == 1) else s.layer_sizes[-1]
        expected.append(("fully_connected kernel", self.sm_kernel.shape, (out, s.num_classes)))
        expected.append(("fully_connected bias", self.sm_bias.shape, (s.num_classes,)))
        if s.layout != "plain":
            query = 2 * (s.layer_sizes[0] if s.layout == "first" else sum(s.layer_sizes))
            cell_out = s.layer_sizes[0] if s.layout == "first" else s.layer_sizes[-1]
            expected += [("attention kernel", self.q_kernel.shape, (query, a)),
                         ("attention bias", self.q_bias.shape, (a,)), ("attn_v", self.attn_v.shape, (a,)),
                         ("attn_output_projection kernel", self.o_kernel.shape, (cell_out + a, a)),
                         ("attn_output_projection bias", self.o_bias.shape, (a,))]
        for name, got, want in expected:
            if tuple(got) != tuple(want):
                raise UnsupportedModelError(f"{name} has shape {tuple(got)}, expected {tuple(want)} "
                                            f"(layout {s.layout}, layers {list(s.layer_sizes)}, attention {a})")

    def zero_state(self) -> NetworkState:
        """The all-zero state Magenta starts every sequence from."""
        return NetworkState(self.shape)

    @staticmethod
    def _lstm(gates: np.ndarray, c: np.ndarray, h: np.ndarray) -> None:
        """Update c and h in place from pre-activation gates prepared by `_prepare_gates`."""
        n = c.shape[0]
        np.tanh(gates, out=gates)
        sig = gates[:3 * n]
        sig *= 0.5
        sig += 0.5
        i, f, o, j = gates[:n], gates[n:2 * n], gates[2 * n:3 * n], gates[3 * n:]
        c *= f
        i *= j
        c += i
        np.tanh(c, out=h)
        h *= o

    def _attend(self, state: NetworkState, query: np.ndarray, cell_out: np.ndarray) -> np.ndarray:
        """Attention read + output projection + memory write; returns the wrapper's output."""
        y = query @ self.q_kernel
        y += self.q_bias
        scores = np.tanh(state.mem_features + y) @ self.attn_v
        scores -= scores.max()
        np.exp(scores, out=scores)
        scores /= scores.sum()
        attns = scores @ state.mem
        output = np.concatenate((cell_out, attns)) @ self.o_kernel
        output += self.o_bias
        pos = state.mem_pos
        state.mem[pos] = output
        np.dot(output, self.attn_w, out=state.mem_features[pos])
        state.mem_pos = (pos + 1) % state.mem.shape[0]
        state.attns = attns
        return output

    def step(self, state: NetworkState, idx: np.ndarray, vals: np.ndarray, logits: bool = True) -> np.ndarray:
        """Advance `state` by one input (sparse: indices and values); return the next-event logits."""
        layout = self.shape.layout
        x_gates = vals @ self.in_proj[idx]
        layer_in = state.h[0]  # layer 0 sets it before anything reads it
        for i in range(len(self.hidden)):
            if i == 0:
                z = state.h[0] if layout == "plain" else np.concatenate((state.attns, state.h[0]))
                gates = z @ self.rec[0]
                gates += x_gates
            else:
                gates = np.concatenate((layer_in, state.h[i])) @ self.rec[i]
            gates += self.bias[i]
            self._lstm(gates, state.c[i], state.h[i])
            layer_in = state.h[i]
            if i == 0 and layout == "first":
                query = np.concatenate((state.c[0], state.h[0]))
                layer_in = self._attend(state, query, state.h[0])
        if layout == "wrapped":
            query = np.concatenate([a for pair in zip(state.c, state.h) for a in pair])
            layer_in = self._attend(state, query, state.h[-1])
        state.out = layer_in
        if logits:
            np.dot(layer_in, self.sm_kernel, out=state.logits)
            state.logits += self.sm_bias
        return state.logits

    def feed_sequence(self, state: NetworkState, inputs: list[tuple[np.ndarray, np.ndarray]],
                      logits: bool = True) -> np.ndarray:
        """Advance by several known inputs; same result as repeated `step`, faster for a primer.

        Without whole-stack attention the layers above the first only depend on the layer below,
        so their input projections for all steps are one matrix-matrix product.
        """
        layers = len(self.hidden)
        if self.shape.layout == "wrapped" or layers == 1 or len(inputs) < 2:
            for i, (idx, vals) in enumerate(inputs):
                self.step(state, idx, vals, logits=logits and i == len(inputs) - 1)
            return state.logits
        first = self.shape.layout == "first"
        below = np.empty((len(inputs), self.rec[1].shape[0] - self.hidden[1]), np.float32)
        for t, (idx, vals) in enumerate(inputs):
            gates = (state.h[0] if not first else np.concatenate((state.attns, state.h[0]))) @ self.rec[0]
            gates += vals @ self.in_proj[idx]
            gates += self.bias[0]
            self._lstm(gates, state.c[0], state.h[0])
            if first:
                below[t] = self._attend(state, np.concatenate((state.c[0], state.h[0])), state.h[0])
            else:
                below[t] = state.h[0]
        for i in range(1, layers):
            n_in = below.shape[1]
            projected = below @ self.rec[i][:n_in]
            projected += self.bias[i]
            rec_h = self.rec[i][n_in:]
            above = np.empty((len(inputs), self.hidden[i]), np.float32)
            for t in range(len(inputs)):
                gates = state.h[i] @ rec_h
                gates += projected[t]
                self._lstm(gates, state.c[i], state.h[i])
                above[t] = state.h[i]
            below = above
        state.out = state.h[-1]
        if logits:
            np.dot(state.out, self.sm_kernel, out=state.logits)
            state.logits += self.sm_bias
        return state.logits

    def logits_of(self, state: NetworkState) -> np.ndarray:
        """Logits for the state's last output (when `step` was run with logits=False)."""
        np.dot(state.out, self.sm_kernel, out=state.logits)
        state.logits += self.sm_bias
        return state.logits
