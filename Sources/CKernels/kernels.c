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

// Blocks first … first+63 of a stream, the rounds of Philox4x32-10 exactly
// as Philox4x32.block computes them, lanes = blocks, into out (256 words,
// block after block). 64 lanes, not 16: a round's multiplies wait on the
// previous round's, and four independent 16-lane groups keep the vector
// units busy (measured 1.4–1.7× the words per second of 16 lanes).
FP_CLONES
static void philox_blocks(uint64_t first, uint64_t stream, uint32_t key0, uint32_t key1, uint32_t *restrict out) {
  uint32_t c0[64], c1[64], c2[64], c3[64];
  const uint32_t s0 = (uint32_t)stream, s1 = (uint32_t)(stream >> 32);
  for (int i = 0; i < 64; i++) {
    uint64_t b = first + (uint64_t)i;
    c0[i] = (uint32_t)b;
    c1[i] = (uint32_t)(b >> 32);
    c2[i] = s0;
    c3[i] = s1;
  }
  uint32_t k0 = key0, k1 = key1;
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += W0;
      k1 += W1;
    }
    for (int i = 0; i < 64; i++) {
      uint64_t p0 = (uint64_t)M0 * c0[i], p1 = (uint64_t)M1 * c2[i];
      uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[i] ^ k0;
      uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[i] ^ k1;
      c1[i] = (uint32_t)p1;
      c3[i] = (uint32_t)p0;
      c0[i] = n0;
      c2[i] = n2;
    }
  }
  for (int i = 0; i < 64; i++) {
    out[4 * i] = c0[i];
    out[4 * i + 1] = c1[i];
    out[4 * i + 2] = c2[i];
    out[4 * i + 3] = c3[i];
  }
}

// The next 16 blocks into `buffer`: from `ahead` when an earlier refill
// computed them, else 64 blocks at once (16 now, 48 kept ahead). The words
// are the same either way; only when they are computed changes.
static void refill(fp_philox_stream *s) {
  if (s->ahead_count > 0) {
    memcpy(s->buffer, s->ahead + 64 * (3 - s->ahead_count), sizeof s->buffer);
    s->ahead_count--;
  } else {
    uint32_t words[256];
    philox_blocks(s->block, s->stream, s->key0, s->key1, words);
    memcpy(s->buffer, words, sizeof s->buffer);
    memcpy(s->ahead, words + 64, sizeof s->ahead);
    s->ahead_count = 3;
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

// The first try of the ziggurat for each of the 32 words of a refill, all
// at once (lanes = words): x = ±abscissa·w[layer] and whether it is accepted.
// The same arithmetic as gaussian64's first try (2^52 + a − 2^52 is the exact
// double of a 52-bit a), so the accepted values are the same doubles.
FP_CLONES
static uint64_t candidates64(const uint32_t *restrict buffer, const fp_ziggurat *z, double *restrict x) {
  uint64_t rejected = 0;
  const uint64_t *restrict k = z->k;
  const double *restrict w = z->w;
  for (int l = 0; l < 32; l++) {
    uint64_t r = (uint64_t)buffer[2 * l] | (uint64_t)buffer[2 * l + 1] << 32;
    uint64_t layer = r & 0xff;
    uint64_t abscissa = (r >> 9) & 0x000fffffffffffffull;
    uint64_t bits = 0x4330000000000000ull | abscissa;
    double a;
    memcpy(&a, &bits, sizeof a);
    a -= 4503599627370496.0;
    double v = a * w[layer];
    x[l] = ((r >> 8) & 1) == 0 ? v : -v;
    rejected |= (uint64_t)((int64_t)abscissa >= (int64_t)k[layer]) << l;
  }
  return rejected;
}

// Walks the refill's words in order as gaussian64 would: an accepted first
// try is taken from the candidates; otherwise gaussian64's rejection path
// continues from the next word (and may refill), after which the
// candidates are recomputed. So the output is gaussian64's, value for value.
void fp_fill_gaussian_f64(fp_philox_stream *s, const fp_ziggurat *z, double *out, long n) {
  double x[32];
  uint64_t rejected = 0;
  uint64_t computed = ~0ull;  // the block count the candidates belong to
  long i = 0;
  while (i < n) {
    if (s->position >= 64) refill(s);
    if (computed != s->block) {
      rejected = candidates64(s->buffer, z, x) | 1ull << 32;  // bit 32: end of the words
      computed = s->block;
    }
    uint32_t pos = s->position;
    while (i < n && pos < 64) {
      // The run of accepted words from here, copied at once.
      long run = __builtin_ctzll(rejected >> (pos / 2));
      if (run > n - i) run = n - i;
      memcpy(out + i, x + pos / 2, (size_t)run * sizeof *out);
      i += run;
      pos += 2 * (uint32_t)run;
      if (i == n || pos >= 64) break;
      // A rejected first try: redo this word by the scalar path.
      s->position = pos;
      out[i++] = gaussian64(s, z);
      pos = s->position;
      if (s->block != computed) break;
    }
    s->position = pos;
  }
}

// The rare paths of the float ziggurat (tail and wedges), in double.
static float gaussian32_slow(fp_philox_stream *s, const fp_ziggurat *z, uint32_t u) {
  const double inverse_r = 1 / zig_r;
  for (;;) {
    int layer = (int)(u & 0xff);
    uint32_t abscissa = u >> 9;
    double x = (double)abscissa * z->w32[layer];
    if ((u >> 8) & 1) x = -x;
    if (abscissa < z->k32[layer]) return (float)abscissa * z->w32f[layer] * (((u >> 8) & 1) ? -1.0f : 1.0f);
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

// The first try of the 23-bit ziggurat for each of the 64 outputs of a
// refill, all at once (lanes = outputs): one 32-bit output gives the layer
// (8 bits), the sign (1 bit) and the abscissa (23 bits, exact in float).
FP_CLONES
static uint64_t candidates32(const uint32_t *restrict buffer, const fp_ziggurat *z, float *restrict x) {
  uint64_t rejected = 0;
  const uint32_t *restrict k = z->k32;
  const float *restrict w = z->w32f;
  for (int l = 0; l < 64; l++) {
    uint32_t u = buffer[l];
    uint32_t layer = u & 0xff;
    uint32_t abscissa = u >> 9;
    float v = (float)(int32_t)abscissa * w[layer];
    x[l] = ((u >> 8) & 1) ? -v : v;
    rejected |= (uint64_t)((int32_t)abscissa >= (int32_t)k[layer]) << l;
  }
  return rejected;
}

// 98.8 % of draws are accepted at the first try; the walk takes those from
// the candidates and sends the rest, in order, to the scalar rejection path
// (which reads the outputs after them), so each output is used once.
void fp_fill_gaussian_f32(fp_philox_stream *s, const fp_ziggurat *z, float *out, long n) {
  float x[64];
  uint64_t rejected = 0;
  uint64_t computed = ~0ull;
  long i = 0;
  while (i < n) {
    if (s->position >= 64) refill(s);
    if (computed != s->block) {
      rejected = candidates32(s->buffer, z, x);
      computed = s->block;
    }
    uint32_t pos = s->position;
    while (i < n && pos < 64) {
      uint64_t ahead = rejected >> pos;
      long run = ahead ? __builtin_ctzll(ahead) : 64 - (long)pos;
      if (run > n - i) run = n - i;
      memcpy(out + i, x + pos, (size_t)run * sizeof *out);
      i += run;
      pos += (uint32_t)run;
      if (i == n || pos >= 64) break;
      s->position = pos + 1;
      out[i++] = gaussian32_slow(s, z, s->buffer[pos]);
      pos = s->position;
      if (s->block != computed) break;
    }
    s->position = pos;
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

#define STEP_LOOP(T, F)                                               \
  for (long r = 0; r < rows; r++) {                                   \
    const long o = r * n;                                             \
    T *nx = next + o;                                                 \
    const T *xr = x + o, *xir = xi + o;                               \
    if (inside) {                                                     \
      for (long i = 0; i < n; i++) {                                  \
        T u = nx[i] + c[i] + sigma * xir[i];                          \
        nx[i] = keep * xr[i] + g * F(u);                              \
      }                                                               \
    } else {                                                          \
      for (long i = 0; i < n; i++) {                                  \
        T u = nx[i] + c[i];                                           \
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
  case FP_LINEAR: STEP_LOOP(float, linear_f32) return 1;
  case FP_RELU: STEP_LOOP(float, relu_f32) return 1;
  case FP_TANH: STEP_LOOP(float, tanh_f32) return 1;
  case FP_SIGMOID: STEP_LOOP(float, sigmoid_f32) return 1;
  case FP_HARDTANH: STEP_LOOP(float, hardtanh_f32) return 1;
  default: return 0;
  }
}

FP_CLONES
int fp_any_nonfinite_f32(const float *x, long n) {
  int bad = 0;
  for (long i = 0; i < n; i++) bad |= !(fabsf(x[i]) <= 3.40282347e38f);
  return bad;
}

FP_CLONES
int fp_any_nonfinite_f64(const double *x, long n) {
  int bad = 0;
  for (long i = 0; i < n; i++) bad |= !(fabs(x[i]) <= 1.7976931348623157e308);
  return bad;
}

// ---------------------------------------------------------------------------
// Float64 tanh for the fused double step, vectorisable like the float one.

// e^y for y in [−40, 0]: y = k ln2 + r, |r| ≤ ln2/2 (ln2 split so k·ln2_hi is
// exact), e^r by its Taylor series to r^13 (0.347^14/14! < 5e-18, below
// half an ulp), times 2^k from the exponent bits.
static inline double exp_f64(double y) {
  const double shifter = 6755399441055744.0;  // 1.5 * 2^52
  double kf = (y * 1.4426950408889634 + shifter) - shifter;
  double r = y - kf * 0x1.62e42fee00000p-1;
  r = r - kf * 0x1.a39ef35793c76p-33;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t k = (int64_t)kf;
  uint64_t bits = (uint64_t)(k + 1023) << 52;
  double scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// tanh x = −e/(2 + e) · sign x, e = expm1(−2|x|): the Taylor series of expm1
// to y^17 for |y| ≤ 0.7 (0.7^18/18! < 1e-17 relative, as FastMath.tanh), e^y − 1
// beyond (e^y ≤ 0.5 there: no cancellation); |x| ≥ 20 gives ±1 exactly.
static inline double tanh_f64(double x) {
  double a = fmin(fabs(x), 20.0);
  double y = -2.0 * a;
  double s = 1.0 / 355687428096000.0;  // 1/17!
  s = s * y + 1.0 / 20922789888000.0;
  s = s * y + 1.0 / 1307674368000.0;
  s = s * y + 1.0 / 87178291200.0;
  s = s * y + 1.0 / 6227020800.0;
  s = s * y + 1.0 / 479001600.0;
  s = s * y + 1.0 / 39916800.0;
  s = s * y + 1.0 / 3628800.0;
  s = s * y + 1.0 / 362880.0;
  s = s * y + 1.0 / 40320.0;
  s = s * y + 1.0 / 5040.0;
  s = s * y + 1.0 / 720.0;
  s = s * y + 1.0 / 120.0;
  s = s * y + 1.0 / 24.0;
  s = s * y + 1.0 / 6.0;
  s = s * y + 0.5;
  s = s * y + 1.0;
  double small = s * y;
  double large = exp_f64(y) - 1.0;
  double e = y > -0.7 ? small : large;
  double t = copysign(-e / (2.0 + e), x);
  return x != x ? x : t;
}

FP_CLONES
void fp_tanh_f64(const double *x, double *y, long n) {
  for (long i = 0; i < n; i++) y[i] = tanh_f64(x[i]);
}

// The fused float64 noise-in tanh step with the vectorised tanh above:
// next = keep x + g tanh(next + c + sigma xi).
FP_CLONES
void fp_tanh_inside_step_f64(long rows, long n, const double *x, double *next, const double *c, const double *xi,
                             double keep, double g, double sigma) {
  for (long r = 0; r < rows; r++) {
    const long o = r * n;
    double *nx = next + o;
    const double *xr = x + o, *xir = xi + o;
    for (long i = 0; i < n; i++) nx[i] = keep * xr[i] + g * tanh_f64(nx[i] + c[i] + sigma * xir[i]);
  }
}

// ---------------------------------------------------------------------------
// The float64 chain step for the piecewise-linear activations, with Swift's
// min/max semantics (max(x, y) = y >= x ? y : x, min(x, y) = y < x ? y : x,
// so NaN and −0 come out as in Swift) and the Swift loop's association and
// unfused products (contraction is off above; STEP_LOOP computes u = (W x + c)
// + σξ, as the Swift loop does): the very doubles of the Swift
// elementwise step, vectorised.
static inline double swift_max(double x, double y) { return y >= x ? y : x; }
static inline double swift_min(double x, double y) { return y < x ? y : x; }
static inline double linear_f64(double u) { return u; }
static inline double relu_f64(double u) { return swift_max(u, 0.0); }
static inline double hardtanh_f64(double u) { return swift_min(swift_max(u, -1.0), 1.0); }

FP_CLONES
int fp_chain_step_f64(int activation, int inside, long rows, long n, const double *x, double *next, const double *c,
                      const double *xi, double keep, double g, double sigma) {
  switch (activation) {
  case FP_LINEAR: STEP_LOOP(double, linear_f64) return 1;
  case FP_RELU: STEP_LOOP(double, relu_f64) return 1;
  case FP_HARDTANH: STEP_LOOP(double, hardtanh_f64) return 1;
  default: return 0;
  }
}
