// Hot loops of the ensembles in C, where the compiler's vectoriser is
// predictable: Philox blocks generated 16 at a time (lanes = blocks), the
// ziggurat on those words, and the fused float chain step (activation,
// noise, leak) over a batch. Each vectorised function is compiled for
// x86-64-v4, x86-64-v3 and the baseline and picked at load time
// (target_clones), so one binary runs everywhere and uses AVX where present.
//
// Floating-point contraction is off: the float64 ziggurat must give the very
// doubles the Swift `GaussianStream` gives (Swift never fuses a*b+c).
#pragma clang fp contract(off)

#include "kernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define FP_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FP_CLONES
#endif

enum { M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u };

void fp_stream_init(fp_philox_stream *s, uint64_t seed, uint64_t stream) {
  memset(s, 0, sizeof *s);
  s->stream = stream;
  s->block = 0;
  s->key0 = (uint32_t)seed;
  s->key1 = (uint32_t)(seed >> 32);
  s->position = 64;
}

// Blocks block … block+15 of the stream, the rounds of Philox4x32-10 exactly
// as Philox4x32.block computes them, lanes = blocks.
FP_CLONES
static void refill(fp_philox_stream *s) {
  uint32_t c0[16], c1[16], c2[16], c3[16];
  const uint32_t s0 = (uint32_t)s->stream, s1 = (uint32_t)(s->stream >> 32);
  for (int i = 0; i < 16; i++) {
    uint64_t b = s->block + (uint64_t)i;
    c0[i] = (uint32_t)b;
    c1[i] = (uint32_t)(b >> 32);
    c2[i] = s0;
    c3[i] = s1;
  }
  uint32_t k0 = s->key0, k1 = s->key1;
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    for (int i = 0; i < 16; i++) {
      uint64_t p0 = (uint64_t)M0 * c0[i], p1 = (uint64_t)M1 * c2[i];
      uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[i] ^ k0;
      uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[i] ^ k1;
      c1[i] = (uint32_t)p1;
      c3[i] = (uint32_t)p0;
      c0[i] = n0;
      c2[i] = n2;
    }
  }
  for (int i = 0; i < 16; i++) {
    s->buffer[4 * i] = c0[i];
    s->buffer[4 * i + 1] = c1[i];
    s->buffer[4 * i + 2] = c2[i];
    s->buffer[4 * i + 3] = c3[i];
  }
  s->block += 16;
  s->position = 0;
}

static inline uint32_t next32(fp_philox_stream *s) {
  if (s->position >= 64) refill(s);
  return s->buffer[s->position++];
}

// Word x0 | x1 << 32 (then x2 | x3 << 32): a float64 stream only ever takes
// pairs, so `position` stays even.
static inline uint64_t next64(fp_philox_stream *s) {
  if (s->position >= 64) refill(s);
  uint64_t w = (uint64_t)s->buffer[s->position] | (uint64_t)s->buffer[s->position + 1] << 32;
  s->position += 2;
  return w;
}

static inline double uniform53(fp_philox_stream *s) { return (double)(next64(s) >> 11) * 0x1.0p-53; }

static const double zig_r = 3.6541528853610088;

// GaussianStream.gaussian, operation for operation.
static double gaussian64(fp_philox_stream *s, const fp_ziggurat *z) {
  const double inverse_r = 1 / zig_r;
  for (;;) {
    uint64_t r = next64(s);
    int layer = (int)(r & 0xff);
    uint64_t abscissa = (r >> 9) & 0x000fffffffffffffull;
    double x = ((r >> 8) & 1) == 0 ? (double)abscissa * z->w[layer] : -((double)abscissa * z->w[layer]);
    if (abscissa < z->k[layer]) return x;
    if (layer == 0) {
      for (;;) {
        double xx = -inverse_r * log1p(-uniform53(s));
        double yy = -log1p(-uniform53(s));
        if (yy + yy > xx * xx) return ((abscissa >> 8) & 1) == 0 ? zig_r + xx : -(zig_r + xx);
      }
    } else if ((z->f[layer - 1] - z->f[layer]) * uniform53(s) + z->f[layer] < exp(-0.5 * x * x)) {
      return x;
    }
  }
}

void fp_fill_gaussian_f64(fp_philox_stream *s, const fp_ziggurat *z, double *out, long n) {
  for (long i = 0; i < n; i++) out[i] = gaussian64(s, z);
}

// The rare paths of the float ziggurat (tail and wedges), in double.
static float gaussian32_slow(fp_philox_stream *s, const fp_ziggurat *z, uint32_t u) {
  const double inverse_r = 1 / zig_r;
  for (;;) {
    int layer = (int)(u & 0xff);
    uint32_t abscissa = u >> 9;
    double x = (double)abscissa * z->w32[layer];
    if ((u >> 8) & 1) x = -x;
    if (abscissa < z->k32[layer]) return (float)x;
    if (layer == 0) {
      for (;;) {
        double xx = -inverse_r * log1p(-uniform53(s));
        double yy = -log1p(-uniform53(s));
        if (yy + yy > xx * xx) return (float)(((u >> 8) & 1) == 0 ? zig_r + xx : -(zig_r + xx));
      }
    }
    // uniform53 above reads two outputs; keep them paired as in a float64 stream.
    if (s->position & 1) s->position++;
    if ((z->f[layer - 1] - z->f[layer]) * uniform53(s) + z->f[layer] < exp(-0.5 * x * x)) return (float)x;
    u = next32(s);
  }
}

// 23-bit ziggurat: one 32-bit output gives the layer (8 bits), the sign
// (1 bit) and the abscissa (23 bits); 98.8 % of draws return at the first
// compare.
void fp_fill_gaussian_f32(fp_philox_stream *s, const fp_ziggurat *z, float *out, long n) {
  const uint32_t *k = z->k32;
  const double *w = z->w32;
  for (long i = 0; i < n; i++) {
    uint32_t u = next32(s);
    int layer = (int)(u & 0xff);
    uint32_t abscissa = u >> 9;
    if (abscissa < k[layer]) {
      float x = (float)((double)abscissa * w[layer]);
      out[i] = ((u >> 8) & 1) ? -x : x;
    } else {
      out[i] = gaussian32_slow(s, z, u);
    }
  }
}

// ---------------------------------------------------------------------------
// Float elementary functions written so that loops over them vectorise:
// no calls, no branches (both sides computed, one selected).

static inline float bits_to_float(uint32_t b) {
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

// e^y for y in [-87, 88]: y = k ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of
// ln 2), e^r by its Taylor series to r^7 (0.347^8/8! < 6e-9, below float's
// 6e-8 half-ulp), times 2^k built from the exponent bits.
static inline float exp_f32(float y) {
  y = fminf(fmaxf(y, -87.0f), 88.0f);
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float kf = (y * 1.44269504f + shifter) - shifter;
  float r = y - kf * 0.693145752f;  // ln2 high part (exact in float times small k)
  r = r - kf * 1.42860677e-6f;      // ln2 low part
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t k = (int32_t)kf;
  return p * bits_to_float((uint32_t)(k + 127) << 23);
}

// tanh x = −e/(2 + e) · sign x with e = expm1(−2|x|) ∈ (−1, 0]. expm1 is its
// Taylor series to y^10 for |y| ≤ 0.625 (relative error < 0.625^10/11! ≈ 2e-10)
// and e^y − 1 beyond (there e^y ≤ 0.54, so the subtraction loses < 1 bit).
// |x| ≥ 9: tanh rounds to ±1 in float (e^{-18} < 2^-25), as here.
static inline float tanh_f32(float x) {
  float a = fminf(fabsf(x), 9.0f);
  float y = -2.0f * a;
  float s = 1.0f / 3628800.0f;
  s = s * y + 1.0f / 362880.0f;
  s = s * y + 1.0f / 40320.0f;
  s = s * y + 1.0f / 5040.0f;
  s = s * y + 1.0f / 720.0f;
  s = s * y + 1.0f / 120.0f;
  s = s * y + 1.0f / 24.0f;
  s = s * y + 1.0f / 6.0f;
  s = s * y + 0.5f;
  s = s * y + 1.0f;
  float small = s * y;
  float large = exp_f32(y) - 1.0f;
  float e = y > -0.625f ? small : large;
  float t = copysignf(-e / (2.0f + e), x);
  return x != x ? x : t;  // NaN propagates (the ensembles' finiteness checks see it)
}

static inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }

FP_CLONES
void fp_tanh_f32(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = tanh_f32(x[i]);
}

#define STEP_LOOP(F)                                                  \
  for (long r = 0; r < rows; r++) {                                   \
    const long o = r * n;                                             \
    float *nx = next + o;                                             \
    const float *xr = x + o, *xir = xi + o;                           \
    if (inside) {                                                     \
      for (long i = 0; i < n; i++) {                                  \
        float u = nx[i] + c[i] + sigma * xir[i];                      \
        nx[i] = keep * xr[i] + g * F(u);                              \
      }                                                               \
    } else {                                                          \
      for (long i = 0; i < n; i++) {                                  \
        float u = nx[i] + c[i];                                       \
        nx[i] = keep * xr[i] + g * (F(u) + sigma * xir[i]);           \
      }                                                               \
    }                                                                 \
  }

static inline float linear_f32(float u) { return u; }
static inline float relu_f32(float u) { return fmaxf(u, 0.0f); }
static inline float hardtanh_f32(float u) { return fminf(fmaxf(u, -1.0f), 1.0f); }

FP_CLONES
int fp_chain_step_f32(int activation, int inside, long rows, long n, const float *x, float *next, const float *c,
                      const float *xi, float keep, float g, float sigma) {
  switch (activation) {
  case FP_LINEAR: STEP_LOOP(linear_f32) return 1;
  case FP_RELU: STEP_LOOP(relu_f32) return 1;
  case FP_TANH: STEP_LOOP(tanh_f32) return 1;
  case FP_SIGMOID: STEP_LOOP(sigmoid_f32) return 1;
  case FP_HARDTANH: STEP_LOOP(hardtanh_f32) return 1;
  default: return 0;
  }
}
