#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch-eager reference for bench/engine_bench: the same Llama model, PEFT and shapes, written
the way a researcher writes them in Python (HF modeling_llama eager attention, an AdaMix adapter
after each FFN with per-batch routing, torch.optim.AdamW, clip_grad_norm_), timed the same way
(median seconds per call after two warm-up calls).

Benchmark-only: run by bench/engine_vs_pytorch.py with Debian's python3-torch (1.13, the LibTorch
version the engine builds against). Never a test dependency.

Prints one JSON object per line, with the keys engine_bench --json prints:
  {"model": ..., "variant": ..., "train_s": ..., "infer_s": ...}      per training variant
  {"model": ..., "variant": "decode ...", "decode_s": ..., "tokens": N}  beam search with KV cache
"""
import argparse
import json
import math
import os
import random
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    """name -> float32 tensor of a safetensors file (F32 / F16 / BF16 only)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
        out[name] = t.float()
    return out


# --- Llama, as transformers' modeling_llama (eager attention) --------------------------------------


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Routes:
    """Per-batch routing (paper §3.2): every mixture projection draws its own module per pass;
    a second pass (consistency) draws a module other than the first pass's."""

    def __init__(self, seed=0):
        self.rng = random.Random(seed)
        self.previous = {}
        self.current = {}
        self.second = False

    def begin(self, second):
        self.previous, self.current, self.second = self.current, {}, second

    def draw(self, slot, m):
        prev = self.previous.get(slot, -1)
        if self.second and m > 1 and prev >= 0:
            k = self.rng.randrange(m - 1)
            k += k >= prev
        else:
            k = self.rng.randrange(m)
        self.current[slot] = k
        return k


class MixtureLinear(nn.Module):
    """M linear modules; training: the routed one; eval: the average of the M (merged)."""

    def __init__(self, d_in, d_out, m, routes):
        super().__init__()
        self.weight = nn.ParameterList([nn.Parameter(torch.randn(d_out, d_in) * 0.02) for _ in range(m)])
        self.bias = nn.ParameterList([nn.Parameter(torch.zeros(d_out)) for _ in range(m)])
        self.routes = routes
        self.slot = id(self)

    def forward(self, x):
        m = len(self.weight)
        if m == 1:
            return F.linear(x, self.weight[0], self.bias[0])
        if not self.training:
            return F.linear(x, torch.stack(list(self.weight)).mean(0), torch.stack(list(self.bias)).mean(0))
        k = self.routes.draw(self.slot, m)
        return F.linear(x, self.weight[k], self.bias[k])


class Adapter(nn.Module):
    """h + up(gelu(down(h))), down routed over M modules, up shared (AdaMix's default sharing)."""

    def __init__(self, d, r, m, routes):
        super().__init__()
        self.down = MixtureLinear(d, r, m, routes)
        self.up = MixtureLinear(r, d, 1, routes)

    def forward(self, h):
        return h + self.up(F.gelu(self.down(h)))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h, self.kv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        self.hd = c.get("head_dim", d // self.h)
        self.q_proj = nn.Linear(d, self.h * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.kv * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.kv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.h * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask, cache=None, layer=0):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if layer < len(cache):
                k = torch.cat([cache[layer][0], k], 2)
                v = torch.cat([cache[layer][1], v], 2)
                cache[layer] = (k, v)
            else:
                cache.append((k, v))
        rep = self.h // self.kv
        S = k.shape[2]
        if rep > 1:  # repeat_kv
            k = k[:, :, None].expand(B, self.kv, rep, S, self.hd).reshape(B, self.h, S, self.hd)
            v = v[:, :, None].expand(B, self.kv, rep, S, self.hd).reshape(B, self.h, S, self.hd)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, self.h * self.hd)
        return self.o_proj(out)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c, adapter):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.adapter = adapter

    def forward(self, x, cos, sin, mask, cache=None, layer=0):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache, layer)
        y = self.mlp(self.post_attention_layernorm(h))
        if self.adapter is not None:
            y = self.adapter(y)
        return h + y


class LlamaForTask(nn.Module):
    """LlamaModel + score head on the last token (classification) or tied LM head (decoding)."""

    def __init__(self, c, m, r, num_labels, routes):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        adapters = [Adapter(c["hidden_size"], r, m, routes) if m > 0 else None for _ in range(c["num_hidden_layers"])]
        self.layers = nn.ModuleList(DecoderLayer(c, a) for a in adapters)
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.score = nn.Linear(c["hidden_size"], num_labels, bias=False)
        hd = c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])
        self.register_buffer(
            "inv_freq", 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, hd, 2).float() / hd)), persistent=False
        )

    def load_backbone(self, tensors):
        own = {}
        for name, t in tensors.items():
            if name.startswith("model."):
                own[name[len("model."):]] = t
        self.lm_head = tensors.get("lm_head.weight")  # None: tied to embed_tokens
        missing, _ = self.load_state_dict(own, strict=False)
        assert not [n for n in missing if n.startswith(("embed_tokens", "norm.")) or ".self_attn." in n or ".mlp." in n], missing

    def hidden(self, ids, attn_mask, positions, cache=None):
        B, T = ids.shape
        past = cache[0][0].shape[2] if cache else 0
        S = past + T
        h = self.embed_tokens(ids)
        freqs = positions.float()[..., None] * self.inv_freq
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos(), emb.sin()
        if cos.dim() == 3:  # per-row positions [B, T, D] -> [B, 1, T, D]
            cos, sin = cos[:, None], sin[:, None]
        causal = torch.arange(S)[None, :] <= torch.arange(past, S)[:, None]
        allowed = causal[None, None] & (attn_mask[:, None, None, :] != 0)
        mask = torch.zeros(allowed.shape, dtype=h.dtype).masked_fill(~allowed, torch.finfo(h.dtype).min)
        for i, layer in enumerate(self.layers):
            h = layer(h, cos, sin, mask, cache, i)
        return self.norm(h)

    def forward(self, ids, attn_mask):
        T = ids.shape[1]
        h = self.hidden(ids, attn_mask, torch.arange(T))
        last = attn_mask.ne(0).sum(1) - 1
        return self.score(h[torch.arange(ids.shape[0]), last])

    def lm_logprobs(self, ids, attn_mask, positions, cache):
        h = self.hidden(ids, attn_mask, positions, cache)
        w = self.lm_head if self.lm_head is not None else self.embed_tokens.weight
        return F.log_softmax(F.linear(h[:, -1], w).float(), -1)


def sym_kl(l1, l2):
    """Symmetric KL with detached targets (the official AdaMix consistency loss)."""
    lp1, lp2 = F.log_softmax(l1, -1), F.log_softmax(l2, -1)
    kl12 = F.kl_div(lp1, F.softmax(l2, -1).detach(), reduction="batchmean")
    kl21 = F.kl_div(lp2, F.softmax(l1, -1).detach(), reduction="batchmean")
    return 0.5 * (kl12 + kl21)


class Trace:
    """torch.autograd.profiler trace written to PREFIX + suffix (chrome JSON), or nothing."""

    def __init__(self, prefix, suffix):
        self.path = prefix + suffix if prefix else None

    def __enter__(self):
        self.prof = torch.autograd.profiler.profile() if self.path else None
        if self.prof:
            self.prof.__enter__()
        return self

    def __exit__(self, *exc):
        if self.prof:
            self.prof.__exit__(*exc)
            self.prof.export_chrome_trace(self.path)


def median_seconds(reps, fn):
    for _ in range(2):
        fn()
    t = []
    for _ in range(reps):
        a = time.perf_counter()
        fn()
        t.append(time.perf_counter() - a)
    t.sort()
    return t[len(t) // 2]


def build(c, tensors, m, full):
    routes = Routes(0)
    model = LlamaForTask(c, 0 if full else m, 16, 2, routes)
    model.load_backbone(tensors)
    if not full:
        for name, p in model.named_parameters():
            p.requires_grad_(".adapter." in name or name.startswith("score."))
    return model, routes


def time_training(c, tensors, variant, a):
    m, lam, full = variant["m"], variant["lambda"], variant["full"]
    model, routes = build(c, tensors, m, full)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.0}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4, eps=1e-6
    )
    torch.manual_seed(0)
    ids = torch.randint(3, c["vocab_size"], (a.batch, a.seq))
    mask = torch.ones(a.batch, a.seq, dtype=torch.int64)
    labels = torch.randint(0, 2, (a.batch,))
    model.train()

    def step():
        routes.begin(False)
        out1 = model(ids, mask)
        loss = F.cross_entropy(out1.float(), labels)
        if lam > 0:
            routes.begin(True)
            out2 = model(ids, mask)
            loss = loss + lam * sym_kl(out1.float(), out2.float())
        if not math.isfinite(loss.item()):
            raise SystemExit("loss is not finite")
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in params if p.grad is not None], 1.0)
        opt.step()
        opt.zero_grad()

    with Trace(a.profile, ".train.json"):
        train_s = median_seconds(a.steps, step)
    model.eval()
    with torch.no_grad(), Trace(a.profile, ".infer.json"):
        infer_s = median_seconds(a.steps, lambda: model(ids, mask))
    return train_s, infer_s


def time_decoding(c, tensors, a):
    """Beam search (K beams, HF-style top-2K candidates, cache rows reordered by index_select)
    with a KV cache, no end token (every prompt decodes max_new_tokens): seconds per call."""
    model, _ = build(c, tensors, 4, False)
    model.eval()
    K, N, P, new = a.beams, a.prompts, a.prompt_len, a.new_tokens
    torch.manual_seed(1)
    prompts = torch.randint(3, c["vocab_size"], (N, P))

    def decode():
        with torch.no_grad():
            ids = prompts.repeat_interleave(K, 0)
            mask = torch.ones_like(ids)
            cache = []
            logp = model.lm_logprobs(ids, mask, torch.arange(P), cache)
            scores = torch.zeros(N, K)
            scores[:, 1:] = -1e9  # all beams start equal: keep one
            tokens = []
            for t in range(new):
                V = logp.shape[-1]
                cand = (scores.reshape(N * K, 1) + logp).view(N, K * V)
                top, idx = cand.topk(2 * K, dim=1)
                top, idx = top[:, :K], idx[:, :K]  # no end token: the best K continue
                beam = idx // V
                tok = idx % V
                rows = (beam + torch.arange(N)[:, None] * K).view(-1)
                cache[:] = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in cache]
                tokens = [tt.index_select(0, rows) for tt in tokens] + [tok.view(-1)]
                scores = top
                mask = torch.cat([mask, torch.ones(N * K, 1, dtype=mask.dtype)], 1)
                if t + 1 < new:
                    logp = model.lm_logprobs(tok.view(-1, 1), mask, torch.tensor([P + t]), cache)
            return tokens

    with Trace(a.profile, ".decode.json"):
        return median_seconds(max(3, a.steps // 4), decode), N * new


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="HF Llama model folder (config.json + model.safetensors)")
    ap.add_argument("--label", default=None)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beams", type=int, default=4)
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--prompt-len", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--variant", default=None, help="only the variants whose name contains this (profiling)")
    ap.add_argument("--profile", default=None, help="PREFIX: profiler traces PREFIX.train.json / .infer.json of --variant")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(os.path.join(a.model, "config.json")) as f:
        c = json.load(f)
    tensors = read_safetensors(os.path.join(a.model, "model.safetensors"))
    label = a.label or os.path.basename(os.path.normpath(a.model))
    variants = [
        {"variant": "adapter (M=1)", "m": 1, "lambda": 0.0, "full": False},
        {"variant": "AdaMix M=4", "m": 4, "lambda": 0.0, "full": False},
        {"variant": "AdaMix M=4, lambda=1", "m": 4, "lambda": 1.0, "full": False},
        {"variant": "full fine-tuning", "m": 0, "lambda": 0.0, "full": True},
    ]
    for v in variants:
        if a.variant is not None and a.variant not in v["variant"]:
            continue
        train_s, infer_s = time_training(c, tensors, v, a)
        print(json.dumps({"model": label, "variant": v["variant"], "train_s": train_s, "infer_s": infer_s}), flush=True)
    if a.variant is not None and a.variant not in "decode":
        return 0
    decode_s, tokens = time_decoding(c, tensors, a)
    print(json.dumps({"model": label, "variant": "decode", "decode_s": decode_s, "tokens": tokens}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
