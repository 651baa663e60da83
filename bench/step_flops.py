# SPDX-License-Identifier: GPL-3.0-or-later
"""Matrix-product FLOPs of one benchmark training step (engine_bench / pytorch_reference.py).

Counts the linear layers (q, k, v, o, gate, up, down and the adapter's down/up) and attention's two
batched products (q k^T, probs v; every key of every query row, masked ones included, as both
sides compute them), forward and backward, for a Llama classifier with a head on the last token:

* forward: every layer; the engine's last layer computes q, o, the MLP and attention for the
  pooled row only (keys and values for all rows: LlamaModel::forwardAt), the reference all rows;
* backward, activation gradients: the same products as forward, for every layer whose input
  depends on a trained parameter — all layers in full fine-tuning (the embedding is trained),
  layers 1..L-1 with adapters (layer 0's adapter sits after its FFN, so nothing below it needs a
  gradient) plus layer 0's adapter (its up projection's input only); attention's backward is
  4 products (2x its forward);
* backward, weight gradients: every trained matrix once more (full fine-tuning: the whole
  backbone; adapters: their down/up);
* with consistency (lambda > 0) two routes, i.e. twice everything.

Elementwise work (norms, rotary, softmax, AdamW) is not counted, so FLOPs / time is a lower bound
on the rate the matrix products ran at, and time x achieved / peak an upper bound on the speed-up
left (docs/performance.md, "The limit").
"""


def step_flops(cfg, variant, engine, batch, seq, rank=16):
    """FLOPs of one training step. cfg: the model's config.json (dict); variant: one of
    engine_vs_pytorch.VARIANTS; engine: True for the engine (pooled-row last layer)."""
    h, layers, heads = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", heads)
    d = cfg.get("head_dim", h // heads)
    f = cfg["intermediate_size"]
    full = variant.startswith("full")
    routes = 2 if "lambda" in variant else 1
    n = batch * seq

    def layer(rows_q, rows_kv):
        """(forward FLOPs of the frozen-or-not backbone matrices, of attention, of the adapter)."""
        backbone = 2 * rows_q * (h * heads * d + heads * d * h + 3 * h * f) + 2 * rows_kv * (2 * h * kv * d)
        attention = 2 * 2 * rows_q * seq * heads * d
        adapter = 0 if full else 2 * rows_q * 2 * h * rank
        return backbone, attention, adapter

    total = 0
    for i in range(layers):
        last = i == layers - 1
        backbone, attention, adapter = layer(batch if engine and last else n, n)
        fwd = backbone + attention + adapter
        if full:
            bwd = backbone + 2 * attention + backbone  # activations, then weights
        elif i == 0:
            # layer 0: its adapter only: both weight gradients and the gradient of up's input
            # (down's input, the FFN output, needs none)
            bwd = 1.5 * adapter
        else:
            bwd = backbone + 2 * attention + 2 * adapter
        total += fwd + bwd
    return routes * total


PEAK_SCRIPT = r"""
import sys, time, torch
threads, n, k, m = map(int, sys.argv[1:5])
torch.set_num_threads(threads)
a, b = torch.randn(n, k), torch.randn(k, m)
for _ in range(3):
    a @ b
times = []
for _ in range(25):
    t0 = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - t0)
times.sort()
print(2 * n * k * m / times[len(times) // 2])
"""
