// swift-tools-version:6.0
//
// fixedpoints — stochastic fixed points and stationary distributions of
// noisy continuous-time RNNs, on GSL. Each target has a README.md saying
// what it owns and may import; a target never imports one above it.
import PackageDescription

let package = Package(
  name: "fixedpoints",
  products: [
    .executable(name: "fixedpoints", targets: ["fixedpoints"]),
    .library(name: "GSL", targets: ["GSL"]),
    .library(name: "GaussianMoments", targets: ["GaussianMoments"]),
    .library(name: "SDE", targets: ["SDE"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // MARK: - Public API

    // Safe Swift over GSL: quadrature, roots, multiroot, nonlinear least
    // squares, LU/Cholesky, eigen, RNG, special functions, the one dgemm
    // (OpenBLAS when present). Owns every GSL workspace; every GSL status is
    // a throw or a SolverOutcome. The only target that imports CGSL.
    .target(name: "GSL", dependencies: ["CGSL"], exclude: ["README.md"]),

    // Moments of each activation under N(mu, s^2): closed forms, quadrature
    // and the interpolated `MomentTable`; also `NoisePlacement`, the other
    // word (with `Activation`) that both the neuron and the network speak.
    .target(name: "GaussianMoments", dependencies: ["GSL"], exclude: ["README.md"]),

    // The safetensors file format alone (Foundation only): decode with every
    // length and offset checked, canonical encode. Knows nothing of networks.
    .target(name: "Safetensors", exclude: ["README.md"]),

    // Stochastic differential equations: problem -> scheme -> solve, ensembles,
    // stationary statistics, 1-D Fokker–Planck and transfer-operator densities.
    .target(name: "SDE", dependencies: ["GSL", "CKernels"], exclude: ["README.md"]),

    // The ensembles' innermost loops in C (Philox blocks in lanes, the
    // ziggurat, the fused float chain step), built per CPU level by
    // target_clones. Below SDE; imports only the C library.
    .target(name: "CKernels", exclude: ["README.md"]),

    // The one-neuron model (`SingleNeuron`) of `stationary`/`simulate` and its
    // exact 1-D analysis: fixed points, transfer operator, Fokker–Planck,
    // ensembles. A sibling of CTRNN, not below or above it.
    .target(name: "Neuron", dependencies: ["GSL", "GaussianMoments", "SDE", "Platform"], exclude: ["README.md"]),

    // The `verify` catalogue: named checks of every layer against an
    // independent reference. Sits below the CLI so tests can run it too.
    .target(name: "Verification", dependencies: ["GSL", "GaussianMoments", "SDE", "Neuron", "CTRNN", "Feedforward"], exclude: ["README.md"]),

    // The network layer: checkpoints, the CTRNN at a constant input, fixed
    // and slow points, noise-averaged points, the Gaussian closure, stationary
    // ensembles and the `analyze` report.
    .target(name: "CTRNN", dependencies: ["GSL", "GaussianMoments", "SDE", "Safetensors", "Platform", "CKernels"], exclude: ["README.md"]),

    // Feedforward networks (MLPs): checkpoints, noisy forward pass, the
    // layer-by-layer Gaussian propagation and its Monte-Carlo check.
    .target(name: "Feedforward", dependencies: ["GSL", "GaussianMoments", "Safetensors", "Platform"], exclude: ["README.md"]),

    // Training (DESIGN.md, "Layers"): tasks, BPTT through the noisy
    // dynamics, Adam; it writes checkpoints. The analysis never imports it.
    .target(name: "Training", dependencies: ["CMallocTuning", "CKernels", "GSL", "GaussianMoments", "SDE", "CTRNN", "Platform", "Feedforward"], exclude: ["README.md"]),

    // What the tool takes from the OS: the one output writer (atomic,
    // unpredictable temporary names, never over a directory or device),
    // all-or-nothing output directories, the memory budget, finite checks.
    .target(name: "Platform", exclude: ["README.md"]),

    // Report types (analysis, stationary, verify, moments, the paradox
    // summary) and their rendering: terminal text, Markdown, CSV, LaTeX, JSON.
    .target(name: "Reports", dependencies: ["CTRNN", "Neuron", "GaussianMoments", "SDE", "Training", "Verification", "Platform", "Feedforward"], exclude: ["README.md"]),

    // Benchmarks: the timed computations behind `bench` and their fixture
    // networks. Rates only; nothing here asserts a time.
    .target(name: "Benchmarks", dependencies: ["GSL", "GaussianMoments", "SDE", "CTRNN", "Training", "Verification"], exclude: ["README.md"]),

    .executableTarget(
      name: "fixedpoints",
      dependencies: [
        "GSL", "GaussianMoments", "SDE", "Neuron", "CTRNN", "Training", "Verification", "Reports", "Benchmarks", "Platform", "Feedforward",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["README.md"]),

    // MARK: - Implementation details

    // GSL itself (apt: libgsl-dev). shim.h exposes GSL's mutable algorithm
    // descriptors through inline accessors, which Swift 6 accepts.
    .systemLibrary(
      name: "CGSL", pkgConfig: "gsl",
      providers: [.apt(["libgsl-dev"])]),

    // glibc's mallopt, which Swift's Glibc module does not export: training
    // keeps freed memory in the heap. Not GSL, so not in CGSL's shim.
    .target(name: "CMallocTuning", exclude: ["README.md"]),

    .target(
      name: "_TestSupport",
      dependencies: [.product(name: "Numerics", package: "swift-numerics")]),

    // MARK: - Unit test bundles

    .testTarget(name: "GSLTests", dependencies: ["GSL", "_TestSupport"]),
    .testTarget(name: "GaussianMomentsTests", dependencies: ["GaussianMoments", "GSL", "_TestSupport"]),
    .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors"]),
    .testTarget(name: "SDETests", dependencies: ["SDE", "GSL", "_TestSupport"]),
    .testTarget(name: "VerificationTests", dependencies: ["Verification", "SDE"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "CTRNN", "Neuron", "GaussianMoments", "GSL", "Verification", "Platform", "Training", "Feedforward"]),
    .testTarget(name: "NeuronTests", dependencies: ["Neuron", "GaussianMoments", "SDE", "_TestSupport"]),
    // Neuron too: one-neuron networks are checked against `SingleNeuron`.
    .testTarget(name: "CTRNNTests", dependencies: ["CTRNN", "Neuron", "Safetensors", "_TestSupport"]),
    .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
    .testTarget(name: "CLITests", dependencies: ["_TestSupport"]),
    .testTarget(name: "FeedforwardTests", dependencies: ["Feedforward", "GaussianMoments", "GSL", "Safetensors", "_TestSupport"]),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "CTRNN", "GSL", "GaussianMoments", "Reports", "_TestSupport", "Feedforward"]),
  ]
)
