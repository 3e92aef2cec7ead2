#!/usr/bin/env python3
"""JAX reference for the SDE ensemble benchmark (`fixedpoints bench sde`,
Sources/Benchmarks/SDEBenchmark.swift; NumPy: benchmarks/ensemble_numpy.py).

The same computation: M trajectories of the noise-in tanh network

    x <- (1 - gamma) x + gamma tanh(W x + b + sigma xi),   xi ~ N(0, I),

written as a JAX user would: the whole run one jitted function, `lax.scan`
over the steps, the state an M x n array (one matmul per step for all
trajectories), the noise drawn inside the scan from a key split per step
(threefry, jax.random.normal). float64 (jax_enable_x64) or float32.
The first call compiles; the time reported is the best of --repeats calls
after it. A neuron-step is one coordinate of one trajectory advanced one step.

Prints one line, or JSON with --json.
"""
import argparse
import json
import time


def run(dtype_name, n=64, trajectories=1000, steps=2000, gamma=0.1, sigma=0.5, seed=1, repeats=3):
    import jax
    import jax.numpy as jnp

    if dtype_name == "float64":
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float64 if dtype_name == "float64" else jnp.float32
    key = jax.random.PRNGKey(seed)
    kw, kb, key = jax.random.split(key, 3)
    w = jax.random.normal(kw, (n, n), dtype) / jnp.sqrt(jnp.asarray(n, dtype))
    wt = w.T
    b = 0.1 * jax.random.normal(kb, (n,), dtype)

    @jax.jit
    def simulate(key):
        def body(carry, _):
            x, key = carry
            key, sub = jax.random.split(key)
            xi = jax.random.normal(sub, (trajectories, n), dtype)
            x = (1 - gamma) * x + gamma * jnp.tanh(x @ wt + b + sigma * xi)
            return (x, key), None

        (x, _), _ = jax.lax.scan(body, (jnp.zeros((trajectories, n), dtype), key), None, length=steps)
        return x

    t0 = time.perf_counter()
    simulate(key).block_until_ready()
    compile_seconds = time.perf_counter() - t0
    best, checksum = float("inf"), 0.0
    for r in range(repeats):
        t0 = time.perf_counter()
        x = simulate(jax.random.fold_in(key, r + 1)).block_until_ready()
        best = min(best, time.perf_counter() - t0)
        checksum = float(x.mean())
    return dict(implementation=f"jax jit {dtype_name}", neuron_steps_per_second=trajectories * n * steps / best,
                seconds=best, compile_seconds=compile_seconds, trajectories=trajectories, steps=steps,
                dimension=n, jax=jax.__version__, dtype=dtype_name, mean_state=checksum)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trajectories", type=int, default=1000)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--dimension", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    r = run(a.dtype, a.dimension, a.trajectories, a.steps, repeats=a.repeats)
    if a.json:
        print(json.dumps(r))
    else:
        print(f"{r['implementation']} neuron_steps_per_second {r['neuron_steps_per_second']:.4g}  "
              f"({r['seconds']:.3f} s best of {a.repeats}, compile {r['compile_seconds']:.1f} s, jax {r['jax']})")


if __name__ == "__main__":
    main()
