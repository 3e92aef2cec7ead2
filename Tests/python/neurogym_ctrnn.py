"""The CTRNN of the NeuroGym / Yang-lab tutorial ("Example of a
continuous-time RNN"), as users write it, with the recurrent noise most
copies add: sqrt(2/alpha) * sigma_rec * N(0, 1) on the pre-activation.
Used by test_bring_your_own_model.py (only when torch is installed) and by
the README recipe."""

import torch
import torch.nn as nn


class CTRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dt=None, sigma_rec=0.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.tau = 100
        self.alpha = 1.0 if dt is None else dt / self.tau
        self.oneminusalpha = 1 - self.alpha
        self.sigma_rec = sigma_rec
        self.input2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)

    def recurrence(self, input, hidden):
        pre = self.input2h(input) + self.h2h(hidden)
        if self.training and self.sigma_rec > 0:
            pre = pre + (2 / self.alpha) ** 0.5 * self.sigma_rec * torch.randn_like(pre)
        h_new = torch.relu(pre)
        return hidden * self.oneminusalpha + h_new * self.alpha

    def forward(self, input, hidden=None):
        if hidden is None:
            hidden = torch.zeros(input.shape[1], self.hidden_size, dtype=input.dtype)
        output = []
        for i in range(input.size(0)):
            hidden = self.recurrence(input[i], hidden)
            output.append(hidden)
        return torch.stack(output, dim=0), hidden


class RNNNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, **kwargs):
        super().__init__()
        self.rnn = CTRNN(input_size, hidden_size, **kwargs)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        rnn_activity, _ = self.rnn(x)
        return self.fc(rnn_activity), rnn_activity
