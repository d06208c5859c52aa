#!/usr/bin/python3
"""PyTorch CPU peer of bench/generation/GenerationBench: the same GPT-2-small and Qwen2.5-0.5B shapes, random weights,
greedy decoding of one stream with a KV cache, eager mode under torch.inference_mode.

Written here with transformers' semantics (no `transformers` package): GPT2LMHeadModel (pre-LN, tanh GELU, learned
positions, tied head) and Qwen2ForCausalLM (RMSNorm, rotary, SwiGLU, grouped-query attention with q/k/v biases, tied
head). The cache grows by torch.cat per step, as transformers' DynamicCache does; attention is
torch.nn.functional.scaled_dot_product_attention where torch has it, else matmul + softmax.

Threads: --threads N sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS before torch loads and calls torch.set_num_threads(N).
Needs Debian's python3-torch and libopenblas0-pthread.
Usage: /usr/bin/python3 bench/generation/torch_peer.py gpt2|qwen2 [--threads 2] [--prompt 16] [--tokens 64] [--rounds 3]
"""
import argparse
import json
import os
import resource
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("model", choices=["gpt2", "qwen2"])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--prompt", type=int, default=16)
parser.add_argument("--tokens", type=int, default=64)
parser.add_argument("--rounds", type=int, default=3)
args = parser.parse_args()
os.environ["OMP_NUM_THREADS"] = str(args.threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(1)


def randn(*shape, std=0.02):
    return torch.randn(*shape) * std


def attend(q, k, v, causal):
    # q [1, H, T, D], k/v [1, H, L, D]
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    s = q @ k.transpose(-1, -2) / (q.shape[-1] ** 0.5)
    if causal:
        t, l = q.shape[2], k.shape[2]
        s = s + torch.triu(torch.full((t, l), float("-inf")), diagonal=l - t + 1)
    return torch.softmax(s, -1) @ v


class Gpt2:
    def __init__(s, v=50257, c=768, layers=12, heads=12, f=3072, p=1024):
        s.c, s.h = c, heads
        s.wte, s.wpe = randn(v, c), randn(p, c, std=0.01)
        s.layers = [dict(ln1=(torch.ones(c), torch.zeros(c)), attn=(randn(c, 3 * c), torch.zeros(3 * c)),
                         proj=(randn(c, c), torch.zeros(c)), ln2=(torch.ones(c), torch.zeros(c)),
                         fc=(randn(c, f), torch.zeros(f)), out=(randn(f, c), torch.zeros(c))) for _ in range(layers)]
        s.lnf = (torch.ones(c), torch.zeros(c))

    def forward(s, ids, cache, start):
        t = ids.shape[1]
        x = s.wte[ids] + s.wpe[start:start + t]
        d = s.c // s.h
        for i, l in enumerate(s.layers):
            h = F.layer_norm(x, (s.c,), *l["ln1"], 1e-5)
            qkv = torch.addmm(l["attn"][1], h.view(t, s.c), l["attn"][0]).view(1, t, 3, s.h, d)  # Conv1D: x W + b
            q, k, v = (qkv[:, :, j].transpose(1, 2) for j in range(3))
            if cache[i] is not None:
                k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
            a = attend(q, k, v, causal=t > 1).transpose(1, 2).reshape(t, s.c)
            x = x + torch.addmm(l["proj"][1], a, l["proj"][0])
            h = F.layer_norm(x, (s.c,), *l["ln2"], 1e-5).view(t, s.c)
            x = x + torch.addmm(l["out"][1], F.gelu(torch.addmm(l["fc"][1], h, l["fc"][0]), approximate="tanh"), l["out"][0])
        x = F.layer_norm(x, (s.c,), *s.lnf, 1e-5)
        return x[:, -1] @ s.wte.t()


class Qwen2:
    def __init__(s, v=151936, c=896, layers=24, heads=14, kv=2, d=64, f=4864, theta=1e6):
        s.c, s.h, s.g, s.d = c, heads, kv, d
        s.embed = randn(v, c)
        s.layers = [dict(n1=torch.ones(c), q=(randn(heads * d, c), torch.zeros(heads * d)), k=(randn(kv * d, c), torch.zeros(kv * d)),
                         v=(randn(kv * d, c), torch.zeros(kv * d)), o=randn(c, heads * d), n2=torch.ones(c),
                         gate=randn(f, c), up=randn(f, c), down=randn(c, f)) for _ in range(layers)]
        s.norm = torch.ones(c)
        s.inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2).float() / d))

    @staticmethod
    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))

    def rotate(s, x, cos, sin):
        x1, x2 = x[..., : s.d // 2], x[..., s.d // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    def forward(s, ids, cache, start):
        t = ids.shape[1]
        x = s.embed[ids][0]
        freqs = torch.arange(start, start + t).float()[:, None] * s.inv_freq[None]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos(), emb.sin()
        for i, l in enumerate(s.layers):
            h = s.rms(x, l["n1"])
            q = F.linear(h, *l["q"]).view(t, s.h, s.d).transpose(0, 1)
            k = F.linear(h, *l["k"]).view(t, s.g, s.d).transpose(0, 1)
            v = F.linear(h, *l["v"]).view(t, s.g, s.d).transpose(0, 1)
            q, k = s.rotate(q, cos, sin), s.rotate(k, cos, sin)
            if cache[i] is not None:
                k, v = torch.cat([cache[i][0], k], 1), torch.cat([cache[i][1], v], 1)
            cache[i] = (k, v)
            rep = s.h // s.g  # repeat_kv
            kk, vv = k.repeat_interleave(rep, 0), v.repeat_interleave(rep, 0)
            a = attend(q[None], kk[None], vv[None], causal=t > 1)[0].transpose(0, 1).reshape(t, s.h * s.d)
            x = x + F.linear(a, l["o"])
            h = s.rms(x, l["n2"])
            x = x + F.linear(F.silu(F.linear(h, l["gate"])) * F.linear(h, l["up"]), l["down"])
        x = s.rms(x, s.norm)
        return x[-1:] @ s.embed.t()


model = Gpt2() if args.model == "gpt2" else Qwen2()
prompt = torch.tensor([[(i * 7919 + 13) % (50257 if args.model == "gpt2" else 151936) for i in range(args.prompt)]])


def generate(n):
    cache = [None] * (len(model.layers))
    logits = model.forward(prompt, cache, 0)
    first = time.perf_counter()
    out = []
    for step in range(n):
        token = int(torch.argmax(logits[-1]))
        out.append(token)
        if step + 1 < n:
            logits = model.forward(torch.tensor([[token]]), cache, args.prompt + step)
    return first, out


rates, prefill = [], []
with torch.inference_mode():
    generate(4)
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        first, _ = generate(args.tokens)
        total = time.perf_counter() - t0
        prefill.append((first - t0) * 1000)
        rates.append((args.tokens - 1) / (total - (first - t0)))
print(json.dumps(dict(system="pytorch " + torch.__version__, model=args.model, threads=args.threads, prompt=args.prompt,
                      tokens=args.tokens, rounds=args.rounds, prefill_ms=round(statistics.median(prefill), 1),
                      decode_tokens_per_s=round(statistics.median(rates), 2),
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)))
