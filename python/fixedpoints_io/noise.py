"""Noise conventions: how a framework's σ maps onto the checkpoint's.

The checkpoint (DESIGN.md, "The checkpoint") knows two placements, with
γ = dt/τ (the α = dt/τ of NeuroGym, PsychRNN and Yang et al. 2019):

    in : h' = (1−γ) h + γ f(x + σ_c ξ)          x = W_rec h + W_in u + b
    out: h' = (1−γ) h + γ (f(x) + σ_c ξ)         = (1−γ) h + γ f(x) + γ σ_c ξ

ξ ~ N(0, I), one draw per step. A source convention is a formula for the
noise term of the *source's* update with its own σ; translating it means
finding the placement and σ_c that make the two updates the same random map
(equal in law for every h, u, step), which for Gaussian ξ means equal
placement and equal standard deviation of the added term.

    name                  source update (noise term)                    -> checkpoint
    in                    (1−γ)h + γ f(x + σξ)                          in,  σ_c = σ
    in-sqrt-2-over-alpha  (1−γ)h + γ f(x + √(2/α) σ ξ)  (Yang et al. 2019) in,  σ_c = √(2/γ) σ
    out                   (1−γ)h + γ (f(x) + σξ)                        out, σ_c = σ
    out-additive          (1−γ)h + γ f(x) + σξ                          out, σ_c = σ/γ
    out-sqrt-2-alpha      (1−γ)h + γ f(x) + √(2α) σ ξ                   out, σ_c = √(2/γ) σ
    x-sqrt-2-alpha        x' = (1−α)x + α(W f(x) + W_in u + b) + √(2α)σξ,
                          h = f(x)  (PsychRNN Basic)                     in,  σ_c = √2 σ, only at α = 1

Derivations (α = γ throughout):

* in-sqrt-2-over-alpha: the noise enters f's argument as √(2/α)σξ, which is
  the checkpoint's σ_c ξ with σ_c = √(2/γ)σ; the rest of the update is
  identical. (This is the Euler–Maruyama discretisation of
  τ dx = (−x + …)dt + √(2τ)σ dW written *inside* the α-scaled bracket: α ·
  √(2/α)σ = √(2α)σ.)
* out-additive: the added term is σξ; the checkpoint's is γσ_cξ, so
  γσ_c = σ, σ_c = σ/γ.
* out-sqrt-2-alpha: the added term is √(2α)σξ = γσ_cξ, so
  σ_c = √(2α)σ/γ = √(2/γ)σ. This is Euler–Maruyama for
  τ dh = (−h + f(x))dt + √(2τ)σ dW: the increment's noise over dt is
  σ√(2τ)/τ · √dt ξ = √(2γ)σξ.
* x-sqrt-2-alpha: the state is the pre-activation x and the readout sees
  f(x). At α = 1, x' = W f(x) + W_in u + b + √2σξ, so h' = f(x') =
  f(W h + W_in u + b + √2σξ): the checkpoint's noise-in map with
  σ_c = √2σ, exactly. At α < 1 the x-chain and the h-chain share their
  deterministic fixed points (x* = W f(x*) + …, h* = f(x*)) but not their
  dynamics or noise law, so no σ_c makes them the same model: refused.
"""

import math

# name -> (checkpoint placement, human description of the source's noise term)
SCALINGS = {
    "in": ("in", "sigma*xi inside f (fixedpoints noise-in)"),
    "in-sqrt-2-over-alpha": ("in", "sqrt(2/alpha)*sigma*xi inside f (Yang et al. 2019's LeakyRNNCell)"),
    "out": ("out", "gamma*sigma*xi outside f: (1-g)h + g(f(x) + sigma*xi) (fixedpoints noise-out)"),
    "out-additive": ("out", "sigma*xi added to the state: (1-g)h + g f(x) + sigma*xi"),
    "out-sqrt-2-alpha": ("out", "sqrt(2*alpha)*sigma*xi added to the state (Euler-Maruyama of tau dh = ... + sqrt(2 tau) sigma dW)"),
    "x-sqrt-2-alpha": ("in", "sqrt(2*alpha)*sigma*xi added to the pre-activation state x, readout of f(x) (PsychRNN Basic); alpha = 1 only"),
}


class NoiseConventionError(ValueError):
    pass


def translate(scaling, sigma, gamma):
    """(placement, sigma_checkpoint) for a source σ under `scaling` (see the
    module docstring for each derivation)."""
    if scaling not in SCALINGS:
        raise NoiseConventionError(
            f"--noise-scaling {scaling!r} is not one of {', '.join(SCALINGS)}")
    sigma, gamma = float(sigma), float(gamma)
    placement = SCALINGS[scaling][0]
    if scaling in ("in", "out"):
        return placement, sigma
    if scaling == "in-sqrt-2-over-alpha":
        return placement, math.sqrt(2.0 / gamma) * sigma
    if scaling == "out-additive":
        return placement, sigma / gamma
    if scaling == "out-sqrt-2-alpha":
        return placement, math.sqrt(2.0 / gamma) * sigma
    if scaling == "x-sqrt-2-alpha":
        if gamma != 1.0:
            raise NoiseConventionError(
                f"noise scaling x-sqrt-2-alpha (the state is the pre-activation x, as in PsychRNN) "
                f"with alpha = dt/tau = {gamma}: the x-network and the checkpoint's h = f(x) network share "
                "fixed points but not dynamics or noise unless alpha = 1; it cannot be converted exactly")
        return placement, math.sqrt(2.0) * sigma
    raise AssertionError(scaling)


def source_noise_term(scaling, sigma, gamma, xi):
    """The source's noise as written in its own update, for the numerical
    check: returns (inside, outside) arrays: `inside` is added to f's
    argument, `outside` to the state after the leak. Written from the table,
    not from `translate`, so the check tests the translation."""
    import numpy as np
    zero = np.zeros_like(xi)
    if scaling == "in":
        return sigma * xi, zero
    if scaling == "in-sqrt-2-over-alpha":
        return math.sqrt(2.0 / gamma) * sigma * xi, zero
    if scaling == "out":
        return zero, gamma * sigma * xi
    if scaling == "out-additive":
        return zero, sigma * xi
    if scaling == "out-sqrt-2-alpha":
        return zero, math.sqrt(2.0 * gamma) * sigma * xi
    if scaling == "x-sqrt-2-alpha":
        return zero, math.sqrt(2.0 * gamma) * sigma * xi  # added to x (the caller knows the state is x)
    raise AssertionError(scaling)
