// The fixed-point search's lockstep mat-vec in C, where `target_clones`
// picks AVX-512/AVX2 code at load time (as in kernels.c): the Swift build
// targets baseline x86-64 (SSE2, two doubles a register), and at N ≥ 512 the
// product is compute-bound once W is read once per group of states.
// Measured per state-mat-vec at N = 512 (thread CPU time, under load):
// Swift SSE2 pairs 28 µs; here 29 µs for one state, 15 µs for two, 11 µs
// for three or four (AVX-512 clone), no gain beyond. (The baseline clone
// spills at four states: correct, slower; every x86-64 server since 2013 has AVX2.)
//
// Each lane is one row: its sum starts at the drive and adds w_ij·x_j for
// j = 0 … n−1 in order, a multiply then an add (contraction off, no
// reassociation: only rows are vectorised), so every sum has the bits of
// Network.preactivation(_:columnMajorWeights:drive:).
#pragma clang fp contract(off)

#include "lockstepkernels.h"

#if defined(__x86_64__) && defined(__linux__)
#define LOCKSTEP_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LOCKSTEP_CLONES
#endif

#define ROWS FP_LOCKSTEP_ROWS

// One pass over W for K states: K·ROWS accumulators per block, in registers
// (K zmm on x86-64-v4, 2K ymm on v3).
#define LOCKSTEP_PASS(K)                                                                                            \
  LOCKSTEP_CLONES                                                                                                   \
  static void pass##K(const double *restrict packed, const double *restrict drive, long n, long blocks,           \
                      const double *restrict x, double *restrict out) {                                             \
    const long padded = blocks * ROWS;                                                                              \
    for (long b = 0; b < blocks; b++) {                                                                             \
      double acc[K][ROWS];                                                                                          \
      for (int s = 0; s < K; s++)                                                                                   \
        for (int r = 0; r < ROWS; r++) acc[s][r] = drive[b * ROWS + r];                                             \
      const double *w = packed + b * n * ROWS;                                                                      \
      for (long j = 0; j < n; j++, w += ROWS) {                                                                     \
        for (int s = 0; s < K; s++) {                                                                               \
          const double xs = x[s * n + j];                                                                           \
          for (int r = 0; r < ROWS; r++) acc[s][r] += w[r] * xs;                                                    \
        }                                                                                                           \
      }                                                                                                             \
      for (int s = 0; s < K; s++)                                                                                   \
        for (int r = 0; r < ROWS; r++) out[s * padded + b * ROWS + r] = acc[s][r];                                  \
    }                                                                                                               \
  }

LOCKSTEP_PASS(1)
LOCKSTEP_PASS(2)
LOCKSTEP_PASS(3)
LOCKSTEP_PASS(4)

void fp_lockstep_preactivations(const double *packed, const double *drive, long n, long blocks, const double *x,
                                long count, double *out) {
  const long padded = blocks * ROWS;
  // Groups of four while four are left, then one pass for the rest.
  long s = 0;
  for (; count - s >= 4; s += 4) pass4(packed, drive, n, blocks, x + s * n, out + s * padded);
  switch (count - s) {
  case 3: pass3(packed, drive, n, blocks, x + s * n, out + s * padded); break;
  case 2: pass2(packed, drive, n, blocks, x + s * n, out + s * padded); break;
  case 1: pass1(packed, drive, n, blocks, x + s * n, out + s * padded); break;
  default: break;
  }
}
