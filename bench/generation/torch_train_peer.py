#!/usr/bin/python3
"""PyTorch CPU peer of `GenerationBench gpt2 --train`: fine-tuning throughput of the GPT-2-small shape (124M parameters),
random weights, full causal-LM steps in eager mode: forward over [batch, seq] tokens, cross-entropy on the shifted
tokens, backward, clip_grad_norm_(1.0), torch.optim.AdamW, zero_grad. Written with transformers' GPT2LMHeadModel
semantics (pre-LN, tanh GELU, learned positions, tied head, Conv1D x W + b), no `transformers` package.
tokens/s = batch × seq / step seconds, median over steps after one warm-up step.
Threads: --threads N sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS before torch loads and calls torch.set_num_threads(N).
Needs Debian's python3-torch and libopenblas0-pthread.
Usage: /usr/bin/python3 bench/generation/torch_train_peer.py [--threads 2] [--batch 4] [--seq 128] [--steps 3]
"""
import argparse
import json
import os
import resource
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--seq", type=int, default=128)
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()
os.environ["OMP_NUM_THREADS"] = str(args.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(1)


def param(*shape, std=0.02, value=None):
    return nn.Parameter(torch.full(shape, value) if value is not None else torch.randn(*shape) * std)


class Gpt2(nn.Module):
    def __init__(s, v=50257, c=768, layers=12, heads=12, f=3072, p=1024):
        super().__init__()
        s.c, s.h = c, heads
        s.wte, s.wpe = param(v, c), param(p, c, std=0.01)
        s.blocks = nn.ModuleList()
        for _ in range(layers):
            b = nn.Module()
            b.ln1_w, b.ln1_b = param(c, value=1.0), param(c, value=0.0)
            b.attn_w, b.attn_b = param(c, 3 * c), param(3 * c, value=0.0)
            b.proj_w, b.proj_b = param(c, c), param(c, value=0.0)
            b.ln2_w, b.ln2_b = param(c, value=1.0), param(c, value=0.0)
            b.fc_w, b.fc_b = param(c, f), param(f, value=0.0)
            b.out_w, b.out_b = param(f, c), param(c, value=0.0)
            s.blocks.append(b)
        s.lnf_w, s.lnf_b = param(c, value=1.0), param(c, value=0.0)

    def forward(s, ids):
        bsz, t = ids.shape
        d = s.c // s.h
        x = s.wte[ids] + s.wpe[:t]
        for b in s.blocks:
            h = F.layer_norm(x, (s.c,), b.ln1_w, b.ln1_b, 1e-5)
            qkv = (h @ b.attn_w + b.attn_b).view(bsz, t, 3, s.h, d)
            q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))
            if hasattr(F, "scaled_dot_product_attention"):
                a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                sc = q @ k.transpose(-1, -2) / d ** 0.5 + torch.triu(torch.full((t, t), float("-inf")), 1)
                a = torch.softmax(sc, -1) @ v
            x = x + a.transpose(1, 2).reshape(bsz, t, s.c) @ b.proj_w + b.proj_b
            h = F.layer_norm(x, (s.c,), b.ln2_w, b.ln2_b, 1e-5)
            x = x + F.gelu(h @ b.fc_w + b.fc_b, approximate="tanh") @ b.out_w + b.out_b
        x = F.layer_norm(x, (s.c,), s.lnf_w, s.lnf_b, 1e-5)
        return x @ s.wte.t()


model = Gpt2()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
ids = torch.tensor([(i * 7919 + 13) % 50257 for i in range(args.batch * args.seq)]).view(args.batch, args.seq)
seconds, loss_value = [], 0.0
for step in range(args.steps + 1):
    t0 = time.perf_counter()
    logits = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    loss_value = float(loss)
    if step > 0:
        seconds.append(time.perf_counter() - t0)
step = statistics.median(seconds)
print(json.dumps(dict(system="pytorch " + torch.__version__, model="gpt2", mode="train", threads=args.threads, batch=args.batch,
                      seq=args.seq, steps=args.steps, step_seconds=round(step, 3),
                      train_tokens_per_s=round(args.batch * args.seq / step, 1), loss=round(loss_value, 4),
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)))
