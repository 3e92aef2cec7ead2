import Foundation

// `analyze --help`'s discussion: what the command computes, the inputs of
// each task, the formats of --sigma-test and --input, and examples. Kept
// here so Analyze.swift holds the options and the run.
extension Analyze {
  static let helpText = """
      For one constant input u (--input, or the task's default) and each
      sigma_test: the mean-field readout (noise-averaged fixed point h = E f(Wh +
      W_in u + b + sigma xi), continued in sigma from the noiseless fixed point;
      noise-out: the fixed point itself), the Gaussian closure (mean and
      covariance together, Stein equation by Smith doubling), and the simulated
      stationary readout mean +- SE (exact discrete chain; --schemes adds
      Euler-Maruyama and Milstein on the diffusion approximation, in a table
      of their own). bias =
      simulated readout - readout of the sigma = 0 fixed point the network
      reaches from h = 0; z = (simulated - closure)/SE; output error =
      E(z - target)^2 when the checkpoint's task is known (function: sin(pi u);
      regulator: u).
      Without a CHECKPOINT, analyzes the bundled default model (\(BundledModel.defaultName)).
      --sigma-test takes a list (0,0.5,1), a range start:stop:step (0:1:0.1)
      or both (0,0.25:1:0.25). sigma is the standard deviation of the Gaussian
      added at every step of dt: to the pre-activation (noise-in) or to f
      (noise-out), in the units of the pre-activation / of h; dt and tau are
      read from the checkpoint, in its units of time.
      Inputs, in --input order (default: function and regulator 0.5, flipflop
      0; the other tasks have none, give one):
        function: u in [-1, 1], target sin(pi u);
        regulator: the level to hold, in [0.2, 1.5];
        decision: fixation cue (1 fixating, 0 = go), evidence c*s in [-0.4, 0.4];
        path-integration: velocity x, velocity y (sd 0.25 in training);
        flipflop: three channels, +-1 during a pulse, 0 between;
        decision-fixation: as decision;
        maze: one-hot position over the 18 open cells (row-major);
        multitask: fixation cue, 2 rings of 8 stimulus units, one-hot rule
        (go, anti-go, delay-match, ctx-dm-1, ctx-dm-2).
      An --input outside the range seen in training is analysed, with a
      warning on stderr.
      A feedforward checkpoint (metadata architecture = mlp, from train
      --model mlp) is recognised and gets the MLP analysis (see analyze-mlp):
      --sigma-test, one --input, --seed, --samples, --task-loss, --task-inputs
      and the output options apply; the CTRNN's ensemble and search options do not.
      Examples:
        fixedpoints analyze                                  # the bundled model
        fixedpoints analyze Data/flipflop-tanh-noise-in.ckpt --sigma-test 0,0.3,0.7
        fixedpoints analyze decision.ckpt --input 0,0.2      # go cue, evidence 0.2
        fixedpoints analyze model.ckpt --schemes chain,em,milstein --slow-points 1e-4
      --task-loss instead reports the test loss over the task's inputs
      (--task-inputs midpoints of its input range) at every sigma_test: the
      closure's prediction (E z - y)^2 + Var z next to the simulated stationary
      loss +- SE, and the optimum sigma_test of each.
      --out DIR writes report.json, report.md, report.tex and the CSVs a
      notebook needs (noise_levels.csv, fixed_points.csv, branch.csv).
      --slow-points Q adds the slow points found (rows of the fixed-point
      table) and a line saying how many, or that there were none.
      """
}
