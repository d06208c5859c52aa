#!/usr/bin/python3
"""PyTorch CPU peer of bench/transformers/TransformerBench: all-MiniLM-L6-v2 from model.safetensors, from scratch.

A BERT written here with Hugging Face BertModel semantics (no `transformers` package): word + position + token-type
embeddings, LayerNorm, 6 post-LN layers with separate query/key/value projections, exact (erf) GELU, LayerNorm eps from
config.json; float16 weights upcast to float32. Two measurements:

  latency     one 16-token query (TransformerBench's, read from --reference) through embeddings and encoder, then
              mean pooling; eval mode under torch.inference_mode.
  fine-tuning BertForSequenceClassification: pooler tanh(W h[CLS] + b), dropout, linear head of 77 classes with the same
              initial weights as Kefu's (from --reference); dropout 0.1 (hidden, attention, classifier); batches of
              32 x 32 tokens; forward, cross-entropy, backward, clip to norm 1, AdamW (lr 5e-5, weight decay 0.01 on
              matrices and embeddings, none on biases and LayerNorm), zero the gradients.

Before timing it checks that its logits for the first batch (dropout off) and its mean-pooled query match Kefu's
(written by TransformerBench --reference) within 1e-4.

Threads: --threads N sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS before torch loads (OpenBLAS keeps its own pool, which
torch.set_num_threads does not bound) and calls torch.set_num_threads(N).

Needs Debian's python3-torch and libopenblas0-pthread (without OpenBLAS torch falls back to a ~20x slower BLAS):
  apt-get install -y python3-torch libopenblas0-pthread
Usage: /usr/bin/python3 bench/transformers/torch_peer.py --reference REF.json [--threads 2] [--latency] [--train]
       [--model DIR] [--runs 1000] [--steps 10] [--json]
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True, help="JSON written by TransformerBench --reference")
    parser.add_argument("--model", default=os.path.join(here, "..", "..", "..", "shared", "models", "all-MiniLM-L6-v2"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--warmup-s", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--foreach", action="store_true", help="AdamW(foreach=True) instead of torch 1.13's default per-tensor loop")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


ARGS = parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    """name -> float32 tensor; the format is an 8-byte little-endian header length, a JSON header, then the data."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.astype(np.float32))
    return tensors


class Layer(nn.Module):
    def __init__(self, c, heads, ffn, eps, dropout):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.attention_output = nn.Linear(c, c)
        self.attention_norm = nn.LayerNorm(c, eps=eps)
        self.up = nn.Linear(c, ffn)
        self.down = nn.Linear(ffn, c)
        self.output_norm = nn.LayerNorm(c, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, key_mask):  # x [B, T, C], key_mask [B, 1, 1, T] additive or None -> [B, T, C]
        b, t, c = x.shape
        d = c // self.heads

        def split(y):  # [B, T, C] -> [B, H, T, D]
            return y.view(b, t, self.heads, d).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / (d ** 0.5)  # [B, H, T, T]
        if key_mask is not None:
            scores = scores + key_mask
        probs = self.dropout(scores.softmax(dim=-1))
        heads = (probs @ v).transpose(1, 2).reshape(b, t, c)
        x = self.attention_norm(x + self.dropout(self.attention_output(heads)))
        return self.output_norm(x + self.dropout(self.down(F.gelu(self.up(x)))))


class Bert(nn.Module):
    def __init__(self, config, classes):
        super().__init__()
        c, eps, p = config["hidden_size"], config["layer_norm_eps"], config["hidden_dropout_prob"]
        self.word = nn.Embedding(config["vocab_size"], c)
        self.position = nn.Embedding(config["max_position_embeddings"], c)
        self.token_type = nn.Embedding(config["type_vocab_size"], c)
        self.norm = nn.LayerNorm(c, eps=eps)
        self.dropout = nn.Dropout(p)
        self.layers = nn.ModuleList(Layer(c, config["num_attention_heads"], config["intermediate_size"], eps, p)
                                    for _ in range(config["num_hidden_layers"]))
        self.pooler = nn.Linear(c, c)
        self.classifier = nn.Linear(c, classes)

    def encode(self, ids, mask=None):  # ids [B, T], mask [B, T] 1/0 or None -> last hidden state [B, T, C]
        t = ids.shape[1]
        positions = torch.arange(t)
        x = self.word(ids) + self.position(positions) + self.token_type(torch.zeros_like(positions))
        x = self.dropout(self.norm(x))
        key_mask = None
        if mask is not None:  # as Hugging Face: the dtype's minimum added to the scores of padding keys
            key_mask = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, key_mask)
        return x

    def forward(self, ids, mask):  # -> logits [B, K]
        pooled = torch.tanh(self.pooler(self.encode(ids, mask)[:, 0]))
        return self.classifier(self.dropout(pooled))

    def load(self, tensors):
        names = {"word.weight": "embeddings.word_embeddings.weight",
                 "position.weight": "embeddings.position_embeddings.weight",
                 "token_type.weight": "embeddings.token_type_embeddings.weight",
                 "norm.weight": "embeddings.LayerNorm.weight", "norm.bias": "embeddings.LayerNorm.bias",
                 "pooler.weight": "pooler.dense.weight", "pooler.bias": "pooler.dense.bias"}
        ours = {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
                "attention_output": "attention.output.dense", "attention_norm": "attention.output.LayerNorm",
                "up": "intermediate.dense", "down": "output.dense", "output_norm": "output.LayerNorm"}
        for i in range(len(self.layers)):
            for mine, theirs in ours.items():
                for kind in ("weight", "bias"):
                    names[f"layers.{i}.{mine}.{kind}"] = f"encoder.layer.{i}.{theirs}.{kind}"
        state = {mine: tensors[theirs] for mine, theirs in names.items()}
        state["classifier.weight"] = self.classifier.weight.detach().clone()
        state["classifier.bias"] = self.classifier.bias.detach().clone()
        self.load_state_dict(state)


def mean_pool(hidden):  # [1, T, C] -> [1, C]; one unpadded query
    return hidden.mean(dim=1)


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(1)
    reference = json.load(open(ARGS.reference))
    config = json.load(open(os.path.join(ARGS.model, "config.json")))
    classes, batch, time_ = reference["classes"], reference["batch"], reference["time"]
    model = Bert(config, classes)
    model.load(read_safetensors(os.path.join(ARGS.model, "model.safetensors")))
    with torch.no_grad():
        model.classifier.weight.copy_(torch.tensor(reference["classifier_weight"]).view(classes, -1))
        model.classifier.bias.copy_(torch.tensor(reference["classifier_bias"]))
    batches = [(torch.tensor(b["input_ids"]).view(batch, time_), torch.tensor(b["attention_mask"]).view(batch, time_),
                torch.tensor(b["labels"])) for b in reference["batches"]]
    query = torch.tensor(reference["query_ids"]).view(1, -1)

    model.eval()
    with torch.inference_mode():
        logits = model(batches[0][0], batches[0][1])
        pooled = mean_pool(model.encode(query))
    logits_diff = (logits.flatten() - torch.tensor(reference["logits_batch0"])).abs().max().item()
    pooled_diff = (pooled.flatten() - torch.tensor(reference["query_mean_pooled"])).abs().max().item()
    result = {"torch_version": torch.__version__, "threads": torch.get_num_threads(),
              "check_torch_vs_kefu_logits_max_abs": logits_diff, "check_torch_vs_kefu_query_mean_pooled_max_abs": pooled_diff}
    log = sys.stderr if ARGS.json else sys.stdout
    print(f"check: PyTorch vs Kefu, initial logits (batch 0, dropout off) max |diff| {logits_diff:.2e}, "
          f"query mean-pooled {pooled_diff:.2e} (limit 1e-4)", file=log)
    if not (logits_diff <= 1e-4 and pooled_diff <= 1e-4):
        sys.exit("error: PyTorch's outputs differ from Kefu's by more than 1e-4")

    if ARGS.latency:
        latencies = []
        with torch.inference_mode():
            start = time.perf_counter()
            while time.perf_counter() - start < ARGS.warmup_s:
                mean_pool(model.encode(query))
            for _ in range(ARGS.runs):
                start = time.perf_counter()
                mean_pool(model.encode(query))
                latencies.append((time.perf_counter() - start) * 1000)
        result[f"torch_latency_ms_{ARGS.threads}t"] = statistics.median(latencies)
        print(f"latency, {ARGS.threads} thread(s): PyTorch {statistics.median(latencies):.3f} ms (median of {ARGS.runs})", file=log)

    if ARGS.train:
        model.train()
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": reference["weight_decay"]},
                                       {"params": no_decay, "weight_decay": 0.0}],
                                      lr=reference["learning_rate"], foreach=ARGS.foreach)
        phases = {"forward": [], "backward": [], "clip": [], "adamw": [], "zero_grad": []}
        steps, losses = [], []
        for i in range(-ARGS.warmup_steps, ARGS.steps):
            ids, mask, labels = batches[(i + ARGS.warmup_steps) % len(batches)]
            marks = [time.perf_counter()]
            loss = F.cross_entropy(model(ids, mask), labels)
            marks.append(time.perf_counter())
            loss.backward()
            marks.append(time.perf_counter())
            torch.nn.utils.clip_grad_norm_(model.parameters(), reference["max_grad_norm"])
            marks.append(time.perf_counter())
            optimizer.step()
            marks.append(time.perf_counter())
            optimizer.zero_grad(set_to_none=False)  # as Kefu: gradients stay allocated and are cleared
            marks.append(time.perf_counter())
            losses.append(loss.item())
            if i < 0:
                continue
            steps.append((marks[-1] - marks[0]) * 1000)
            for p, name in enumerate(phases):
                phases[name].append((marks[p + 1] - marks[p]) * 1000)
        step = statistics.median(steps)
        result["torch_train_step_ms"] = step
        result["torch_train_examples_per_s"] = batch * 1000 / step
        for name, values in phases.items():
            result[f"torch_train_{name}_ms"] = statistics.median(values)
        result["torch_train_loss_first_last"] = [losses[0], losses[-1]]
        print(f"fine-tuning, {ARGS.threads} thread(s): PyTorch {batch * 1000 / step:.1f} examples/s (step {step:.1f} ms: "
              + ", ".join(f"{name} {result[f'torch_train_{name}_ms']:.1f}" for name in phases)
              + f"); loss {losses[0]:.3f} -> {losses[-1]:.3f}", file=log)

    if ARGS.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
