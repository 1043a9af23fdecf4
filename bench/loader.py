"""DataLoader throughput on CIFAR-shaped data (see bench/loader.lua): the
same 10000 random images and augmentation through torchvision's CIFAR-10
path (uint8 HWC array -> PIL image -> transforms) and torch's DataLoader."""
import numpy as np
import torch
import torch.nn as nn
import torchvision.transforms as T
from PIL import Image

from common import result, timed
from train import LeNet  # the seeds' network, as bench/train.py trains it

N, BATCH = 10000, 64


class CifarLike(torch.utils.data.Dataset):
    def __init__(self, transform):
        rng = np.random.default_rng(1)
        rows = rng.integers(0, 256, size=(64, 32, 32, 3), dtype=np.uint8)
        self.data = rows[np.arange(N) % 64]
        self.targets = [i % 10 for i in range(N)]
        self.transform = transform

    def __len__(self):
        return N

    def __getitem__(self, i):  # as torchvision.datasets.CIFAR10 does
        img = Image.fromarray(self.data[i])
        return self.transform(img), self.targets[i]


def run(mode, workers):
    transform = T.Compose([
        T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
        T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    ])
    loader = torch.utils.data.DataLoader(CifarLike(transform), batch_size=BATCH, shuffle=True,
                                         num_workers=workers, persistent_workers=workers > 0)
    if mode == "load":
        def epoch():
            for _ in loader:
                pass
        seconds = timed(epoch, 1, 3)
        print("num_workers %d: %d batches of %d in %.3f s" % (workers, len(loader), BATCH, seconds))
        result(len(loader) / seconds)
        return
    torch.manual_seed(0)
    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

    def epoch():
        for inputs, labels in loader:
            optimizer.zero_grad()
            criterion(model(inputs), labels).backward()
            optimizer.step()
    seconds = timed(epoch, 0, 3)
    print("LeNet epoch of %d images, num_workers %d: %.3f s" % (N, workers, seconds))
    result(N / seconds)
