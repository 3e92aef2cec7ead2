#ifndef FIXEDPOINTS_BPTTKERNELS_H
#define FIXEDPOINTS_BPTTKERNELS_H

/// BPTT's elementwise loops (Training's `BPTT.Pass`), one pair per scalar
/// type. Each does, element by element, exactly the float operations of the
/// Swift loop it replaces, in the same order and unfused, so the results are
/// the same bits (see bpttkernels.c). Row-major rows x n blocks; `bias`
/// and `w_out` have n entries; a NULL `xi` means no noise (ξ = 0).
/// `activation`: FP_BPTT_RELU or FP_BPTT_TANH (libm's tanh / tanhf, what
/// Foundation.tanh calls). Returns 0 for any other code (nothing done).
enum { FP_BPTT_RELU = 1, FP_BPTT_TANH = 2 };

/// Forward step, after x = W_rec h (+ W_in u):
///   x    ← x + b (+ σξ inside)
///   next ← (1−γ) h + γ f(x) + (inside ? 0 : γσξ)
int fp_bptt_forward_f64(int activation, int inside, long rows, long n, const double *h, double *x, double *next,
                        const double *bias, const double *xi, double keep, double g, double sigma);
int fp_bptt_forward_f32(int activation, int inside, long rows, long n, const float *h, float *x, float *next,
                        const float *bias, const float *xi, float keep, float g, float sigma);

/// Backward through a relu step: gh += dz_r w_out (one output; skipped when
/// dz is NULL), then dx = γ gh ⊙ [x ≥ 0].
void fp_bptt_relu_back_f64(long rows, long n, double *gh, const double *dz, const double *w_out, const double *x,
                           double *dx, double g);
void fp_bptt_relu_back_f32(long rows, long n, float *gh, const float *dz, const float *w_out, const float *x, float *dx,
                           float g);

/// gh ← (1−γ) gh + previous, count elements.
void fp_bptt_leak_f64(long count, double *gh, const double *previous, double keep);
void fp_bptt_leak_f32(long count, float *gh, const float *previous, float keep);

/// out[j] += Σ_r a[r n + j], r = 0 … rows−1 in order (the bias gradient).
void fp_bptt_column_sums_f64(long rows, long n, const double *a, double *out);
void fp_bptt_column_sums_f32(long rows, long n, const float *a, float *out);

#endif
