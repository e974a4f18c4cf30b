#!/usr/bin/env python3
"""The plain PyTorch training loop our driver is compared with.

Trains `lenet` (PyTorch's MNIST-example CNN, as models/lenet.cc),
`preresnet20` (as models/preresnet.cc) or `wrn28_10` (as models/wrn.cc) on
Fashion-MNIST (or random CIFAR-shaped images) for --epochs epochs:
the whole uint8 training split held in memory, a random permutation, batches
normalised on the fly, SGD with momentum and weight decay, cross-entropy,
exactly the work of our Trainer per iteration. Prints the last epoch's
throughput (the first pays for cuDNN's and the allocator's warm-up) as
    pytorch: <images/s> img/s (<N> images, <s> s, threads <T>)
--bf16 (autocast), --channels_last and --cudnn_benchmark match our driver's
flags of the same names.

    /usr/bin/python3 benchmarks/pytorch_baseline.py --model=lenet --threads=2
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class LeNet(nn.Module):
    def __init__(self, channels=1, side=28, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * ((side - 4) // 2) ** 2, 128)
        self.dropout2 = nn.Dropout(0.5)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        h = F.relu(self.conv1(x))
        h = F.relu(self.conv2(h))
        h = self.dropout1(F.max_pool2d(h, 2)).flatten(1)
        h = self.dropout2(F.relu(self.fc1(h)))
        return self.fc2(h)


class PreActBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.shortcut = (nn.Conv2d(cin, planes, 1, stride, bias=False)
                         if stride != 1 or cin != planes else None)

    def forward(self, x):
        residual = x if self.shortcut is None else self.shortcut(x)
        h = self.conv1(F.relu(self.bn1(x)))
        h = self.conv2(F.relu(self.bn2(h)))
        return h + residual


class PreResNet20(nn.Module):
    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        blocks, cin = [], 16
        for stage in range(3):
            planes = 16 << stage
            for b in range(3):
                blocks.append(PreActBlock(cin, planes, 2 if stage > 0 and b == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.blocks(self.conv(x))
        h = F.adaptive_avg_pool2d(F.relu(self.bn(h)), 1).flatten(1)
        return self.fc(h)


class WideBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = (nn.Conv2d(cin, cout, 1, stride, bias=False)
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        h = F.relu(self.bn1(x))
        residual = x if self.shortcut is None else self.shortcut(h)
        y = self.conv1(h)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + residual


class WideResNet(nn.Module):
    def __init__(self, channels=3, classes=10, depth=28, widen=10):
        super().__init__()
        self.conv = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        blocks, cin = [], 16
        for group in range(3):
            cout = (16 << group) * widen
            for b in range((depth - 4) // 6):
                blocks.append(WideBlock(cin, cout, 2 if group > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.blocks(self.conv(x))
        return self.fc(F.relu(self.bn(h)).mean((2, 3)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lenet", choices=["lenet", "preresnet20", "wrn28_10"])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                        help="Fashion-MNIST folder, or 'random32': random 3x32x32 images (CIFAR's shape)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--images", type=int, default=0,
                        help="train on the first N images (0: all 60,000; random32: 50,000)")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (data resident on the device)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs; the last one is timed")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast for the forward pass and loss")
    parser.add_argument("--channels_last", action="store_true", help="NHWC network and batches")
    parser.add_argument("--cudnn_benchmark", action="store_true", help="torch.backends.cudnn.benchmark")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = args.cudnn_benchmark

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.data == "random32":
        n = args.images or 50000
        images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,))
    else:
        images = torch.from_numpy(read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).copy())
        labels = torch.from_numpy(read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
        if args.images:
            images, labels = images[:args.images], labels[:args.images]
        images = images.unsqueeze(1)  # uint8 [N, 1, 28, 28]
    mean, std = images.float().div(255).mean().item(), images.float().div(255).std().item()
    device = torch.device(args.device)
    images, labels = images.to(device), labels.to(device)

    channels, side = images.shape[1], images.shape[2]
    if args.model == "lenet":
        net = LeNet(channels, side)
    elif args.model == "preresnet20":
        net = PreResNet20(channels)
    else:
        net = WideResNet(channels)
    net = net.to(device)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(memory_format=memory_format)
    net.train()
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    n = images.shape[0]
    for epoch in range(args.epochs):
        order = torch.randperm(n).to(device)
        start = time.perf_counter()
        seen = 0
        for begin in range(0, n - 1, args.batch_size):
            index = order[begin:begin + args.batch_size]
            x = images.index_select(0, index).float().mul_(1 / 255).sub_(mean).div_(std)
            x = x.contiguous(memory_format=memory_format)
            y = labels.index_select(0, index)
            optimizer.zero_grad()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                logits = net(x)
                loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            loss.item()
            seen += index.numel()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    print("pytorch: %.1f img/s (%d images, %.1f s, threads %d)" % (seen / seconds, seen, seconds, args.threads))


if __name__ == "__main__":
    main()
