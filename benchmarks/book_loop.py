"""The book's training loop, as d2l ships it: ``load_data_fashion_mnist`` and ``train_ch6``.

Copied from d2l (``d2l/torch.py``, v2.0.0) with three additions, none of
which changes what is trained or timed:

- ``checkpoint(step, examples, seconds)`` is called every ``check_every``
  batches with the book's own timer paused, so that the benchmark can measure
  test accuracy (with the kit's evaluator, on the same 10,000 test images,
  excluded from training time) and time-to-accuracy;
- ``wall`` times the training loop including the waits for the DataLoader,
  which the book's ``Timer`` leaves out (it starts after ``next(iterator)``);
- ``stop()`` from the checkpoint ends the run early (the benchmark caps it).

The animator is replaced by recording its points. The data comes from
torchvision's ``FashionMNIST`` class, with per-sample ``ToTensor()`` (and
``Resize``), through a ``DataLoader`` with 4 workers, as in the book.
"""
from __future__ import annotations

import gzip
import shutil
import time
from pathlib import Path

import torch
from torch import nn


def get_dataloader_workers():
    """使用4个进程来读取数据"""
    return 4


def load_data_fashion_mnist(batch_size, resize=None, root="../data"):
    """下载Fashion-MNIST数据集，然后将其加载到内存中"""
    import torchvision
    from torch.utils import data
    from torchvision import transforms
    trans = [transforms.ToTensor()]
    if resize:
        trans.insert(0, transforms.Resize(resize))
    trans = transforms.Compose(trans)
    mnist_train = torchvision.datasets.FashionMNIST(
        root=root, train=True, transform=trans, download=True)
    mnist_test = torchvision.datasets.FashionMNIST(
        root=root, train=False, transform=trans, download=True)
    return (data.DataLoader(mnist_train, batch_size, shuffle=True,
                            num_workers=get_dataloader_workers()),
            data.DataLoader(mnist_test, batch_size, shuffle=False,
                            num_workers=get_dataloader_workers()))


def torchvision_copy(source_dir, root) -> Path:
    """Unzip the four IDX files of ``source_dir`` into ``root/FashionMNIST/raw`` (torchvision's layout)."""
    from grader.data import FILES, find_file
    raw = Path(root) / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem in FILES.values():
        source = find_file(source_dir, stem)
        with open(source, "rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"
        opener = gzip.open if gzipped else open
        with opener(source, "rb") as f, open(raw / stem, "wb") as out:
            shutil.copyfileobj(f, out)
    return Path(root)


class Timer:
    """记录多次运行时间"""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def sum(self):
        return sum(self.times)


class Accumulator:
    """在n个变量上累加"""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    """计算预测正确的数量"""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """使用GPU计算模型在数据集上的精度"""
    if isinstance(net, nn.Module):
        net.eval()  # 设置为评估模式
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


class Stop(Exception):
    pass


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device, *, checkpoint=None, check_every=None,
              evaluate_test=True, log=print):
    """用GPU训练模型(在第六章定义)"""
    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)
    net.apply(init_weights)
    log('training on', device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    points = []                                   # the animator's points
    timer, num_batches = Timer(), len(train_iter)
    wall = 0.0                                    # addition: training time with the data waits
    step = 0
    stats = {"points": points, "epochs": 0, "timer": timer, "stopped": False}
    try:
        for epoch in range(num_epochs):
            # 训练损失之和，训练准确率之和，样本数
            metric = Accumulator(3)
            net.train()
            wall_start = time.time()
            for i, (X, y) in enumerate(train_iter):
                timer.start()
                optimizer.zero_grad()
                X, y = X.to(device), y.to(device)
                y_hat = net(X)
                l = loss(y_hat, y)
                l.backward()
                optimizer.step()
                with torch.no_grad():
                    metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
                timer.stop()
                train_l = metric[0] / metric[2]
                train_acc = metric[1] / metric[2]
                if (i + 1) % (num_batches // 5) == 0 or i == num_batches - 1:
                    points.append((epoch + (i + 1) / num_batches, train_l, train_acc, None))
                step += 1
                if checkpoint is not None and (step % check_every == 0 or i == num_batches - 1):
                    wall += time.time() - wall_start
                    stats.update(wall=wall, examples=stats.get("examples_done", 0) + metric[2])
                    checkpoint(net, step, stats)
                    net.train()
                    wall_start = time.time()
            wall += time.time() - wall_start
            stats["examples_done"] = stats.get("examples_done", 0) + metric[2]
            stats.update(epochs=epoch + 1, wall=wall, train_l=train_l, train_acc=train_acc,
                         examples=stats["examples_done"])
            if evaluate_test:
                test_acc = evaluate_accuracy_gpu(net, test_iter)
                points.append((epoch + 1, None, None, test_acc))
                stats["test_acc"] = test_acc
                log(f'epoch {epoch + 1}: loss {train_l:.3f}, train acc {train_acc:.3f}, '
                    f'test acc {test_acc:.3f}')
    except Stop:
        stats["stopped"] = True
    if stats.get("examples_done") and evaluate_test:
        log(f'loss {train_l:.3f}, train acc {train_acc:.3f}, '
            f'test acc {stats["test_acc"]:.3f}')
        log(f'{metric[2] * num_epochs / timer.sum():.1f} examples/sec '
            f'on {str(device)}')
    stats["examples_per_sec_book"] = stats.get("examples", 0) / timer.sum() if timer.sum() else float("nan")
    stats["examples_per_sec_wall"] = stats.get("examples", 0) / wall if wall else float("nan")
    return stats
