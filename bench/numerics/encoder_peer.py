#!/usr/bin/python3
"""PyTorch CPU peer of `kefu bench numerics`: the same encoder, training step and inference, 2 threads.

Model (as src/Kefu.Numerics/Bench/EncoderBenchmark.cs): vocabulary 8,000, hidden 256, 2 post-LN layers,
4 heads, FFN 1,024, exact GELU, dropout 0.1, learned positions, embedding LayerNorm, mean pooling and a
16-class head. A training step: forward, cross-entropy with label smoothing 0.1, backward, clip to norm 1,
AdamW (weight decay 0.01 on matrices and embeddings, none on biases and LayerNorm), zero the gradients;
batch 32 x 32 tokens. Inference: one sequence of 32 tokens, eval mode, no autograd.

Run with Debian's python3-torch and libopenblas0-pthread installed (without OpenBLAS PyTorch falls back
to a much slower BLAS): /usr/bin/python3 bench/numerics/encoder_peer.py [--json]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCABULARY, HIDDEN, LAYERS, HEADS, FEED_FORWARD, CLASSES = 8000, 256, 2, 4, 1024, 16
BATCH, TIME = 32, 32


class SequenceClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.token = nn.Embedding(VOCABULARY, HIDDEN)
        self.position = nn.Embedding(TIME, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN)
        self.dropout = nn.Dropout(0.1)
        layer = nn.TransformerEncoderLayer(HIDDEN, HEADS, FEED_FORWARD, dropout=0.1, activation="gelu",
                                           batch_first=True, norm_first=False)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.head_dropout = nn.Dropout(0.1)
        self.head = nn.Linear(HIDDEN, CLASSES)

    def forward(self, ids):  # ids [B, T] -> logits [B, K]
        positions = torch.arange(ids.shape[1])
        x = self.dropout(self.norm(self.token(ids) + self.position(positions)))
        x = self.encoder(x)
        return self.head(self.head_dropout(x.mean(dim=1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--infer-runs", type=int, default=300)
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(1)
    model = SequenceClassifier()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=1e-4)
    ids = torch.randint(0, VOCABULARY, (BATCH, TIME))
    labels = torch.randint(0, CLASSES, (BATCH,))

    def train_step():
        logits = model(ids)
        loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)

    model.train()
    for _ in range(3):
        train_step()
    step_ms = []
    for _ in range(args.steps):
        start = time.perf_counter()
        train_step()
        step_ms.append((time.perf_counter() - start) * 1000)

    model.eval()
    sequence = ids[:1]
    infer_ms = []
    with torch.inference_mode():
        for i in range(-max(3, args.infer_runs // 10), args.infer_runs):
            start = time.perf_counter()
            model(sequence)
            if i >= 0:
                infer_ms.append((time.perf_counter() - start) * 1000)

    result = {
        "encoder_train_step_ms": round(statistics.median(step_ms), 2),
        "encoder_infer_ms": round(statistics.median(infer_ms), 3),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"PyTorch {result['torch_version']} CPU, {result['threads']} threads, medians after warm-up")
        print(f"  encoder training step (32x32)  {result['encoder_train_step_ms']:10.2f} ms")
        print(f"  encoder inference (1x32)       {result['encoder_infer_ms']:10.3f} ms")


if __name__ == "__main__":
    main()
