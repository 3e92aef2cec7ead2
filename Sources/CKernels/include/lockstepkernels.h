#ifndef FIXEDPOINTS_LOCKSTEPKERNELS_H
#define FIXEDPOINTS_LOCKSTEPKERNELS_H

/// The fixed-point search's lockstep mat-vec (CTRNN's
/// SampledStartsLockstep.swift): for `count` states x_s (n doubles each,
/// consecutive), out[s·padded + i] = drive[i] + Σ_j W[i][j] x_s[j], each
/// row's sum started at its drive and the products w_ij·x_j added in column
/// order j = 0 … n−1, unfused — the additions of the single-run Swift
/// kernel, so the same bits. `packed` holds W in blocks of
/// FP_LOCKSTEP_ROWS rows: block b, column j, row r at (b·n + j)·ROWS + r,
/// rows past n zero; `drive` and each output have padded = blocks·ROWS
/// entries.
enum { FP_LOCKSTEP_ROWS = 8 };

void fp_lockstep_preactivations(const double *packed, const double *drive, long n, long blocks, const double *x,
                                long count, double *out);

#endif
