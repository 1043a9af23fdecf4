"""Training throughput (images/s) of the CIFAR-10 tutorial's networks on random
3x32x32 inputs: forward, cross-entropy, backward and an SGD step with momentum
0.9 -- the PyTorch side of bench/train.lua."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from common import clock, result, timed  # noqa: E402


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 120)
        self.fc3 = nn.Linear(120, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)


class AlexBlock(nn.Module):
    def __init__(self, in_ch, out_ch, k):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, k)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x):
        return self.pool(self.relu(self.conv(x)))


class Alex(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = AlexBlock(3, 96, 5)
        self.block2 = AlexBlock(96, 256, 5)
        self.fc1 = nn.Linear(256 * 5 * 5, 384)
        self.fc2 = nn.Linear(384, 192)
        self.fc3 = nn.Linear(192, 10)

    def forward(self, x):
        x = self.block2(self.block1(x))
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def run(model_name, batch):
    torch.manual_seed(0)
    model = {"lenet": LeNet, "alexnet": Alex}[model_name]()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    inputs = torch.randn(batch, 3, 32, 32)
    labels = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()

    t0 = clock()
    step()
    per_step = max(clock() - t0, 1e-6)
    steps = max(1, int(float(os.environ.get("BENCH_SECONDS", "1")) / per_step))

    def rep():
        for _ in range(steps):
            step()

    seconds = timed(rep, 1, 5)
    print("%s batch %d: %d steps per repetition, %.3f ms/step" % (model_name, batch, steps, seconds / steps * 1e3))
    result(batch * steps / seconds)
