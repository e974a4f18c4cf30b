#!/usr/bin/env python3
"""Our efficient ensembles side by side with torch-uncertainty's (issue 23).

Trains the same rows twice, on the same data, architecture, optimiser, budget
and seeds: once with our driver, once with torch-uncertainty's own models
(packed_resnet, batched_resnet, mimo_resnet, masked_resnet, resnet) in a
plain PyTorch loop; then scores both sides' saved per-member log-probs with
one piece of code (this file's) and prints one table: error, NLL, calibrated
NLL, ECE, Brier, stored values, training and evaluation images/s.

    /opt/tu-venv/bin/python benchmarks/tu_side_by_side.py \\
        --driver=bazel-bin/driver/driver --out=runs/tu_side_by_side --seeds=0,1

The protocol (both sides): Fashion-MNIST, the first --train_limit training
images (no validation hold-out), the full 10,000 test images; ResNet-20 as
torch-uncertainty builds it (post-activation, 1x1 convolution + BatchNorm
shortcuts: our `resnet20 shortcut=projection`, the same 272,186 parameters);
SGD lr 0.1, momentum 0.9, weight decay 5e-4, batch 128, the step schedule
(x0.1 at 50% and 75% of the epochs), --epochs epochs; 2 threads; NCHW.
Rows and their settings:
  single          one network
  packed          4 members, alpha 2, gamma 2 (torch-uncertainty lowers gamma
                  until every group has 64 input channels: at ResNet-20's
                  widths it runs gamma 1, which the notes print; our gamma 1
                  row is the like-for-like one)
  batch_ensemble  4 members, the batch repeated per member in training
                  (torch-uncertainty's repeat_strategy="legacy", as ours);
                  ours: fast weights without weight decay at 0.5x the rate,
                  torch-uncertainty: as every other weight
  mimo            3 members, rho 0, 4 batch repetitions; the loss the sum of
                  the members' cross-entropies on both sides (the paper's)
  masksembles     4 members, scale 2, each member its share of the batch;
                  torch-uncertainty draws its masks from an unseeded
                  generator, so its rows do not repeat exactly
Convolutions have no bias on both sides (torch-uncertainty's conv_bias=False).

Outputs: OUT/{ours,tu}/seed<S>/<row>/ (ours: the driver's run directory;
torch-uncertainty's: predictions/member_XXX.npy, labels.npy, result.json),
and OUT/side_by_side.md. A finished row is kept when the script runs again.
"""
import argparse
import gzip
import json
import math
import os
import struct
import subprocess
import sys
import time

import numpy as np

ROWS = ["single", "packed", "packed_gamma1", "batch_ensemble", "mimo", "masksembles"]
OURS = {
    "single": ["--method=single"],
    "packed": ["--method=packed_ensembles", "--members=4", "--method_args=alpha=2,gamma=2"],
    "packed_gamma1": ["--method=packed_ensembles", "--members=4", "--method_args=alpha=2,gamma=1"],
    "batch_ensemble": ["--method=batch_ensemble", "--members=4"],
    "mimo": ["--method=mimo", "--members=3", "--method_args=rho=0,batch_repetitions=4"],
    "masksembles": ["--method=masksembles", "--members=4", "--method_args=scale=2"],
}
MEMBERS = {"single": 1, "packed": 4, "packed_gamma1": 4, "batch_ensemble": 4, "mimo": 3, "masksembles": 4}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


# ---------------------------------------------------------------- metrics --
# One implementation for both sides. The ensemble is the mean of the members'
# probabilities; calibrated NLL as our metrics/calibration.h (temperature
# fitted on one random half of the test set, NLL on the other, both ways,
# averaged over 5 splits; the halves are numpy's, not ours, so our rows'
# cNLL differs from their results.json in the third decimal at most).

def log_mean_exp(member_log_probs):
    stacked = np.stack(member_log_probs).astype(np.float64)
    top = stacked.max(0)
    return top + np.log(np.exp(stacked - top).mean(0))


def nll_at(log_probs, labels, temperature):
    z = log_probs / temperature
    z = z - z.max(1, keepdims=True)
    z = z - np.log(np.exp(z).sum(1, keepdims=True))
    return -z[np.arange(len(labels)), labels].mean()


def fit_temperature(log_probs, labels):
    lo, hi = math.log(0.01), math.log(100.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll_at(log_probs, labels, math.exp(a)), nll_at(log_probs, labels, math.exp(b))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll_at(log_probs, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll_at(log_probs, labels, math.exp(b))
    return math.exp((lo + hi) / 2)


def calibrated_nll(log_probs, labels, splits=5, seed=0):
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(splits):
        order = rng.permutation(len(labels))
        halves = order[:len(order) // 2], order[len(order) // 2:]
        for fit, score in (halves, halves[::-1]):
            t = fit_temperature(log_probs[fit], labels[fit])
            total += nll_at(log_probs[score], labels[score], t)
    return total / (2 * splits)


def scores(member_log_probs, labels):
    log_probs = log_mean_exp(member_log_probs)
    probs = np.exp(log_probs)
    n = len(labels)
    predicted = probs.argmax(1)
    onehot = np.zeros_like(probs)
    onehot[np.arange(n), labels] = 1
    confidence = probs.max(1)
    correct = predicted == labels
    bins = np.minimum((confidence * 15).astype(int), 14)
    ece = sum(abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).sum()
              for b in range(15) if (bins == b).any()) / n
    return {
        "error": 100.0 * (1 - correct.mean()),
        "nll": -log_probs[np.arange(n), labels].mean(),
        "cnll": calibrated_nll(log_probs, labels),
        "ece": ece,
        "brier": ((probs - onehot) ** 2).sum(1).mean(),
    }


def load_predictions(directory, members):
    pred = os.path.join(directory, "predictions")
    logs = [np.load(os.path.join(pred, "member_%03d.npy" % m)) for m in range(members)]
    return logs, np.load(os.path.join(pred, "labels.npy"))


# ------------------------------------------------------------------- ours --

def run_ours(args, row, seed, out):
    if os.path.exists(os.path.join(out, "results.json")):
        return
    command = [args.driver, "--model=resnet20", "--model_args=shortcut=projection", "--dataset=fashion_mnist",
               "--dataset_args=val_size=0,train_limit=%d,dir=%s" % (args.train_limit, args.data),
               "--batch_size=128", "--lr=0.1", "--momentum=0.9", "--weight_decay=5e-4",
               "--epochs=%d" % args.epochs, "--seed=%d" % seed, "--device=cpu", "--threads=%d" % args.threads,
               "--out_dir=" + out] + OURS[row]
    print("== ours %s seed %d: %s" % (row, seed, " ".join(command)), flush=True)
    subprocess.run(command, check=True)


def ours_summary(out, members):
    with open(os.path.join(out, "results.json")) as f:
        result = json.load(f)
    cost = result["cost"]
    own = next(m for m in result["metrics"] if m["size"] == members)
    return {
        "train_seconds": result["train_seconds"],
        "train_images": cost["train_images"],
        "predict_seconds": cost["predict_seconds"],
        "test_images": cost["test_images"],
        "stored_values": cost["parameters"],
        "own_metrics": own,
    }


# --------------------------------------------------------- torch-uncertainty --

def run_tu(args, row, seed, out, data):
    if os.path.exists(os.path.join(out, "result.json")):
        return
    import torch
    import torch.nn.functional as F
    from torch_uncertainty.models.classification import (batched_resnet, masked_resnet, mimo_resnet,
                                                         packed_resnet, resnet)
    from torch_uncertainty.transforms import MIMOBatchFormat

    print("== torch-uncertainty %s seed %d" % (row, seed), flush=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    common = dict(in_channels=1, num_classes=10, arch=20, style="cifar")
    m = MEMBERS[row]
    if row == "single":
        model = resnet(**common)
    elif row.startswith("packed"):
        model = packed_resnet(**common, num_estimators=m, alpha=2, gamma=2 if row == "packed" else 1)
    elif row == "batch_ensemble":
        model = batched_resnet(**common, num_estimators=m, conv_bias=False, repeat_strategy="legacy")
    elif row == "mimo":
        model = mimo_resnet(**common, num_estimators=m, conv_bias=False)
        mimo_format = MIMOBatchFormat(num_estimators=m, rho=0.0, batch_repeat=4)
    else:
        model = masked_resnet(**common, num_estimators=m, scale=2, conv_bias=False)
    notes = []
    groups = sorted({mod.groups for mod in model.modules() if isinstance(mod, torch.nn.Conv2d)})
    if row.startswith("packed"):
        notes.append("convolution groups %s" % groups)

    train_x, train_y, test_x, test_y = data
    mean, std = float(train_x.float().div(255).mean()), float(train_x.float().div(255).std())

    def normalise(images):
        return images.float().div(255).sub(mean).div(std)

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    milestones = [int(math.floor(f * args.epochs + 0.5)) for f in (0.5, 0.75)]
    n = len(train_y)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    start = time.perf_counter()
    for epoch in range(args.epochs):
        for group in optimizer.param_groups:
            group["lr"] = 0.1 * 0.1 ** sum(epoch >= e for e in milestones)
        order = torch.randperm(n, generator=generator)
        for first in range(0, n, 128):
            rows = order[first:first + 128]
            if row == "masksembles":  # its training splits the batch among the members
                rows = rows[:len(rows) - len(rows) % m]
            x, y = normalise(train_x[rows]), train_y[rows]
            if row == "single":
                loss = F.cross_entropy(model(x), y)
            elif row == "mimo":
                x, y = mimo_format((x, y))
                loss = m * F.cross_entropy(model(x), y)  # the sum over members of their mean cross-entropy
            elif row == "masksembles":
                loss = F.cross_entropy(model(x), y)
            else:  # packed, batch_ensemble: every member sees the batch
                loss = F.cross_entropy(model(x), y.repeat(m))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    train_seconds = time.perf_counter() - start

    model.eval()
    member_logs = [[] for _ in range(m)]
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, len(test_y), 1000):
            x = normalise(test_x[first:first + 1000])
            logits = model(x).reshape(m, x.shape[0], -1)  # member-major rows
            for k in range(m):
                member_logs[k].append(F.log_softmax(logits[k], -1))
    predict_seconds = time.perf_counter() - start

    os.makedirs(os.path.join(out, "predictions"), exist_ok=True)
    for k in range(m):
        np.save(os.path.join(out, "predictions", "member_%03d.npy" % k),
                torch.cat(member_logs[k]).numpy().astype(np.float32))
    np.save(os.path.join(out, "predictions", "labels.npy"), test_y.numpy().astype(np.int64))
    stored = sum(t.numel() for t in model.state_dict().values() if t.is_floating_point())
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump({"train_seconds": train_seconds, "train_images": n, "predict_seconds": predict_seconds,
                   "test_images": len(test_y), "stored_values": stored, "epochs": args.epochs, "notes": notes,
                   "torch": torch.__version__, "threads": torch.get_num_threads()}, f, indent=1)


def tu_summary(out):
    with open(os.path.join(out, "result.json")) as f:
        return json.load(f)


# ------------------------------------------------------------------ table --

def mean_sd(values, digits):
    if len(values) == 1:
        return "%.*f" % (digits, values[0])
    return "%.*f ± %.*f" % (digits, np.mean(values), digits, np.std(values, ddof=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", default="bazel-bin/driver/driver")
    parser.add_argument("--out", default="runs/tu_side_by_side")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--train_limit", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = args.rows.split(",")
    for row in rows:
        if row not in ROWS:
            sys.exit("error: unknown row '%s'; rows: %s" % (row, ",".join(ROWS)))
    if not os.access(args.driver, os.X_OK):
        sys.exit("error: driver '%s' not found (bazel build //:driver)" % args.driver)

    import torch
    train_x = torch.from_numpy(read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).copy())
    train_y = torch.from_numpy(read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    test_x = torch.from_numpy(read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).copy())
    test_y = torch.from_numpy(read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    data = (train_x[:args.train_limit].unsqueeze(1), train_y[:args.train_limit], test_x.unsqueeze(1), test_y)

    table = {}
    check = 0.0
    for seed in seeds:
        for row in rows:
            ours = os.path.join(args.out, "ours", "seed%d" % seed, row)
            tu = os.path.join(args.out, "tu", "seed%d" % seed, row)
            run_ours(args, row, seed, ours)
            run_tu(args, row, seed, tu, data)
            for side, directory, summary in (("ours", ours, ours_summary(ours, MEMBERS[row])),
                                             ("torch-uncertainty", tu, tu_summary(tu))):
                metrics = scores(*load_predictions(directory, MEMBERS[row]))
                if side == "ours":  # this file's scores against the driver's own
                    own = summary["own_metrics"]
                    check = max([check] + [abs(metrics[k] - own[k]) for k in ("error", "nll", "ece", "brier")
                                           if own.get(k) is not None])
                metrics["train_ips"] = summary["train_images"] * args.epochs / summary["train_seconds"]
                metrics["eval_ips"] = summary["test_images"] / summary["predict_seconds"]
                metrics["stored"] = summary["stored_values"]
                metrics["notes"] = summary.get("notes", [])
                table.setdefault((row, side), []).append(metrics)

    lines = ["| row | implementation | error % | NLL | cNLL | ECE | Brier | stored values | train img/s | "
             "eval img/s |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        for side in ("ours", "torch-uncertainty"):
            runs = table[(row, side)]
            col = lambda k, d: mean_sd([r[k] for r in runs], d)
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                row, side, col("error", 2), col("nll", 4), col("cnll", 4), col("ece", 4), col("brier", 4),
                runs[0]["stored"] if runs[0]["stored"] is not None else "-", col("train_ips", 0), col("eval_ips", 0)))
        ratio = lambda k: np.mean([o[k] / t[k] for o, t in zip(table[(row, "ours")], table[(row, "torch-uncertainty")])])
        lines.append("| %s | ours / torch-uncertainty | | | | | | | %.2fx | %.2fx |" % (
            row, ratio("train_ips"), ratio("eval_ips")))
    notes = sorted({"%s: %s" % (row, n) for (row, side), runs in table.items() for r in runs for n in r["notes"]})
    text = "\n".join(lines) + "\n\n" + "".join("- torch-uncertainty %s\n" % n for n in notes) + (
        "- seeds %s; %d training images, %d epochs, 10,000 test images; mean ± sd over seeds\n"
        "- this script's scores of our predictions against the driver's own results.json: largest difference "
        "%.2g (error, NLL, ECE, Brier)\n" % (args.seeds, args.train_limit, args.epochs, check))
    print(text)
    with open(os.path.join(args.out, "side_by_side.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
