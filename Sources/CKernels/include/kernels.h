#ifndef FIXEDPOINTS_KERNELS_H
#define FIXEDPOINTS_KERNELS_H
#include <stdint.h>

/// One trajectory's Philox4x32-10 stream (key = seed, counter = (block, stream)),
/// buffered 16 blocks at a time (computed 64 at a time). The word sequence
/// is the one of the Swift `GaussianStream`: block k's outputs (x0, x1, x2, x3) in counter order.
typedef struct {
  uint64_t stream;
  uint64_t block;       // next block to generate
  uint32_t key0, key1;
  uint32_t position;    // next unread 32-bit output in `buffer` (64 = empty)
  uint32_t buffer[64];  // outputs of 16 blocks, block after block
  uint32_t ahead_count; // refills left in `ahead` (blocks are computed 64 at a time)
  uint32_t ahead[192];  // the next 48 blocks' outputs, when ahead_count > 0
} fp_philox_stream;

/// The ziggurat tables (256 layers) as the Swift `Ziggurat` builds them.
typedef struct {
  const uint64_t *k;   // 52-bit acceptance bounds
  const double *w;     // 52-bit abscissa scale
  const double *f;     // exp(-x_i^2/2)
  const uint32_t *k32; // 23-bit acceptance bounds
  const double *w32;   // 23-bit abscissa scale
  const float *w32f;   // the same, rounded to float (the first try)
} fp_ziggurat;

void fp_stream_init(fp_philox_stream *s, uint64_t seed, uint64_t stream);

/// n standard normals, exactly the doubles `GaussianStream.fillGaussian` gives
/// from the same stream position (52-bit ziggurat, one 64-bit word per try).
void fp_fill_gaussian_f64(fp_philox_stream *s, const fp_ziggurat *z, double *out, long n);

/// n standard normals as floats: a 23-bit ziggurat, one 32-bit output per try.
void fp_fill_gaussian_f32(fp_philox_stream *s, const fp_ziggurat *z, float *out, long n);

/// 1 when some x[i] is NaN or ±∞ (a whole batch checked at once; the
/// ensembles then look for which trajectory it was).
int fp_any_nonfinite_f32(const float *x, long n);
int fp_any_nonfinite_f64(const double *x, long n);

/// Activation codes of the fused kernels.
enum { FP_LINEAR = 0, FP_RELU = 1, FP_TANH = 2, FP_SIGMOID = 3, FP_HARDTANH = 4 };

/// tanh on floats, elementwise, vectorised (a few ulp; see kernels.c).
void fp_tanh_f32(const float *x, float *y, long n);

/// One step of the float chain on an rows x n batch, in place on `next`,
/// which holds W x on entry:
///   inside : next = keep x + g f(next + c + sigma xi)
///   outside: next = keep x + g (f(next + c) + sigma xi)
/// Returns 0 when the activation code is not one of the above.
int fp_chain_step_f32(int activation, int inside, long rows, long n, const float *x, float *next, const float *c,
                      const float *xi, float keep, float g, float sigma);

/// tanh on doubles, elementwise, vectorised (≤ 4 ulp; see kernels.c).
void fp_tanh_f64(const double *x, double *y, long n);

/// next = keep x + g tanh(next + c + sigma xi) on a rows x n batch, in place
/// on `next` (which holds W x on entry), with the vectorised double tanh.
void fp_tanh_inside_step_f64(long rows, long n, const double *x, double *next, const double *c, const double *xi,
                             double keep, double g, double sigma);

/// The float64 chain step (as fp_chain_step_f32) for FP_LINEAR, FP_RELU and
/// FP_HARDTANH only, with Swift's min/max semantics and no fused products:
/// the doubles the Swift loop gives. Returns 0 for any other activation.
int fp_chain_step_f64(int activation, int inside, long rows, long n, const double *x, double *next, const double *c,
                      const double *xi, double keep, double g, double sigma);

#endif
