#!/usr/bin/env python3
"""Reference for the training benchmark (`fixedpoints bench train`): the same
mini-batch BPTT + Adam iteration in PyTorch on CPU (or JAX when PyTorch is missing).

One iteration, as in Sources/Training/Trainer.swift and BPTT.swift:
  * a batch of B trials of the `function` task: u ~ U[-1, 1] held for T steps,
    target sin(pi u) on the last T/2 steps (FunctionTask.swift);
  * fresh noise xi, T x B x N standard normals;
  * the forward pass from h = 0, noise-in relu dynamics
        x_t = h_t W_rec^T + u_t W_in^T + b + sigma xi_t
        h_{t+1} = (1 - gamma) h_t + gamma relu(x_t),    gamma = dt / tau = 0.1
        z_t = h_{t+1} W_out^T + b_out,   loss = mean over the last T/2 steps of (z - sin(pi u))^2;
  * the gradient by autograd (reverse mode through all T steps);
  * gradient-norm clipping at 1 (torch.nn.utils.clip_grad_norm_ / optax-style);
  * Adam, lr 3e-3 (beta 0.9, 0.999, eps 1e-8) with Trainer's cosine decay to 0.1 lr.
Sizes N = 64, B = 32, T = 100 by default; float64 unless --dtype float32.
The initial weights follow Parameters.initial (W_rec ~ N(0, 0.25/N), W_in ~ N(0, 1),
b = 0.1, W_out ~ N(0, 1/N), b_out = 0) from this framework's own generator: the
cost does not depend on the values.

Written the way a PyTorch user would write it at its fastest, not as a
transcription of the Swift loops: the input drive u W_in^T + b + sigma xi of all
T steps is one batched op before the loop (valid for time-varying inputs too),
each step is addmm + relu + lerp, the readout is one matmul over the stacked
states of the loss window, the noise goes into a preallocated buffer, the
optimizer runs under no_grad (as torch.optim does) with set_to_none zero_grad,
and the thread pool is set with torch.set_num_threads (interop threads 1).
--compile wraps the loss function in torch.compile (inductor, C++ on CPU); the
compilation happens in the untimed warm-up.

Prints one JSON object (--json) or one line: iterations per second, best of
--repeats runs of --iterations iterations each, after --warmup iterations.
"""
import argparse
import json
import math
import os
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", choices=["auto", "torch", "jax"], default="auto",
                   help="auto: torch if importable, else jax")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--trial-steps", "--steps-per-trial", dest="steps_per_trial", type=int, default=100)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--compile", action="store_true", help="torch.compile the loss (torch only)")
    p.add_argument("--adam", choices=["default", "foreach", "fused"], default="default",
                   help="torch.optim.Adam implementation (torch only)")
    p.add_argument("--sigma", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    return p.parse_args()


SIZES = dict(dt=0.1, tau=1.0, lr=3e-3, final_lr_fraction=0.1, clip=1.0)


def schedule(k, iterations):
    """Trainer.swift's cosine decay from lr to final_lr_fraction * lr."""
    f = SIZES["final_lr_fraction"]
    progress = k / max(1, iterations - 1)
    return SIZES["lr"] * (f + (1 - f) * 0.5 * (1 + math.cos(math.pi * progress)))


# ----------------------------------------------------------------------------- torch

def run_torch(a):
    import torch

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    n, B, T = a.hidden, a.batch, a.steps_per_trial
    gamma = SIZES["dt"] / SIZES["tau"]
    sigma = a.sigma
    half = T // 2
    gen = torch.Generator().manual_seed(a.seed)

    def initial():
        w_rec = 0.5 * torch.randn(n, n, generator=gen, dtype=dtype) / math.sqrt(n)
        w_in = torch.randn(n, 1, generator=gen, dtype=dtype)
        b = torch.full((n,), 0.1, dtype=dtype)
        w_out = torch.randn(1, n, generator=gen, dtype=dtype) / math.sqrt(n)
        b_out = torch.zeros(1, dtype=dtype)
        return [t.requires_grad_() for t in (w_rec, w_in, b, w_out, b_out)]

    def loss_fn(w_rec, w_in, b, w_out, b_out, inputs, noise, targets):
        # inputs T x B x 1, noise T x B x N, targets (T - T/2) x B x 1
        drive = torch.add(torch.matmul(inputs, w_in.t()) + b, noise, alpha=sigma)
        w_rec_t = w_rec.t()
        h = torch.zeros(B, n, dtype=dtype)
        states = []
        for x_t in drive.unbind(0):
            h = torch.lerp(h, torch.relu(torch.addmm(x_t, h, w_rec_t)), gamma)
            states.append(h)
        z = torch.matmul(torch.stack(states[half:]), w_out.t()) + b_out
        return torch.mean((z - targets) ** 2)

    loss_impl = loss_fn
    if a.compile:
        loss_impl = torch.compile(loss_fn, dynamic=False)

    noise = torch.empty(T, B, n, dtype=dtype)
    adam_kwargs = {}
    if a.adam == "foreach":
        adam_kwargs["foreach"] = True
    elif a.adam == "fused":
        adam_kwargs["fused"] = True

    def train(iterations):
        params = initial()
        opt = torch.optim.Adam(params, lr=SIZES["lr"], betas=(0.9, 0.999), eps=1e-8, **adam_kwargs)
        losses = []
        for k in range(iterations):
            # The batch: constant input per trial, target on the last half.
            u = torch.rand(B, 1, generator=gen, dtype=dtype).mul_(2).sub_(1)
            inputs = u.expand(T, B, 1)
            targets = torch.sin(math.pi * u).expand(T - half, B, 1)
            torch.randn(T, B, n, generator=gen, dtype=dtype, out=noise)
            loss = loss_impl(*params, inputs, noise, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, SIZES["clip"])
            for group in opt.param_groups:
                group["lr"] = schedule(k, iterations)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.detach())
        return float(losses[0]), float(losses[-1])

    t0 = time.perf_counter()
    train(max(1, a.warmup))
    warmup_seconds = time.perf_counter() - t0
    best, losses = float("inf"), (math.nan, math.nan)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        losses = train(a.iterations)
        best = min(best, time.perf_counter() - t0)
    return dict(implementation="torch" + (" compile" if a.compile else ""), framework="torch",
                version=torch.__version__, compile=a.compile, adam=a.adam,
                threads=torch.get_num_threads(), seconds=best, warmup_seconds=warmup_seconds,
                iterations_per_second=a.iterations / best, first_loss=losses[0], last_loss=losses[1])


# ----------------------------------------------------------------------------- jax

def run_jax(a):
    if a.threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()
    import jax
    import jax.numpy as jnp

    if a.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float64 if a.dtype == "float64" else jnp.float32
    n, B, T = a.hidden, a.batch, a.steps_per_trial
    gamma = SIZES["dt"] / SIZES["tau"]
    sigma = a.sigma
    half = T // 2

    def initial(key):
        k1, k2, k3 = jax.random.split(key, 3)
        return (0.5 * jax.random.normal(k1, (n, n), dtype) / math.sqrt(n),
                jax.random.normal(k2, (n, 1), dtype),
                jnp.full((n,), 0.1, dtype),
                jax.random.normal(k3, (1, n), dtype) / math.sqrt(n),
                jnp.zeros((1,), dtype))

    def loss_fn(params, u, noise):
        w_rec, w_in, b, w_out, b_out = params
        drive = jnp.broadcast_to(u @ w_in.T + b, (T, B, n)) + sigma * noise

        def body(h, x_t):
            h = h + gamma * (jax.nn.relu(h @ w_rec.T + x_t) - h)
            return h, h

        _, states = jax.lax.scan(body, jnp.zeros((B, n), dtype), drive)
        z = states[half:] @ w_out.T + b_out
        return jnp.mean((z - jnp.sin(jnp.pi * u)) ** 2)

    @jax.jit
    def step(params, m, v, t, key, lr):
        key, ku, kn = jax.random.split(key, 3)
        u = jax.random.uniform(ku, (B, 1), dtype, -1.0, 1.0)
        noise = jax.random.normal(kn, (T, B, n), dtype)
        loss, grads = jax.value_and_grad(loss_fn)(params, u, noise)
        norm = jnp.sqrt(sum(jnp.sum(g * g) for g in grads))
        scale = jnp.minimum(1.0, SIZES["clip"] / (norm + 1e-6))
        grads = [g * scale for g in grads]
        t = t + 1
        m = [0.9 * mi + 0.1 * g for mi, g in zip(m, grads)]
        v = [0.999 * vi + 0.001 * g * g for vi, g in zip(v, grads)]
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        params = tuple(p - lr * (mi / c1) / (jnp.sqrt(vi / c2) + 1e-8) for p, mi, vi in zip(params, m, v))
        return params, m, v, t, key, loss

    def train(iterations):
        key = jax.random.PRNGKey(a.seed)
        params = initial(key)
        m = [jnp.zeros_like(p) for p in params]
        v = [jnp.zeros_like(p) for p in params]
        t = jnp.zeros((), dtype)
        losses = []
        for k in range(iterations):
            params, m, v, t, key, loss = step(params, m, v, t, key, schedule(k, iterations))
            losses.append(loss)
        jax.block_until_ready(params)
        return float(losses[0]), float(losses[-1])

    t0 = time.perf_counter()
    train(max(1, a.warmup))
    warmup_seconds = time.perf_counter() - t0
    best, losses = float("inf"), (math.nan, math.nan)
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        losses = train(a.iterations)
        best = min(best, time.perf_counter() - t0)
    return dict(implementation="jax jit", framework="jax", version=jax.__version__, compile=True, adam="hand-written",
                threads=a.threads, seconds=best, warmup_seconds=warmup_seconds,
                iterations_per_second=a.iterations / best, first_loss=losses[0], last_loss=losses[1])


def main():
    a = parse()
    framework = a.framework
    if framework == "auto":
        try:
            import torch  # noqa: F401
            framework = "torch"
        except ImportError:
            framework = "jax"
    try:
        r = run_torch(a) if framework == "torch" else run_jax(a)
    except ImportError as e:
        sys.exit(f"train_reference.py: {framework} is not installed ({e}); pip install torch (or jax)")
    r.update(dtype=a.dtype, hidden=a.hidden, batch=a.batch, steps_per_trial=a.steps_per_trial,
             iterations=a.iterations, repeats=a.repeats, sigma=a.sigma, task="function",
             activation="relu", noise="in")
    if a.json:
        print(json.dumps(r))
    else:
        print(f"{r['implementation']} {a.dtype}: {r['iterations_per_second']:.1f} iterations/s "
              f"({r['seconds']:.3f} s best of {a.repeats}, {r['threads']} thread(s), {framework} {r['version']}; "
              f"loss {r['first_loss']:.4g} -> {r['last_loss']:.4g})")


if __name__ == "__main__":
    main()
