// BPTT's elementwise loops (Training's `BPTT.Pass`) in C, where clang's loop
// vectoriser is predictable and `target_clones` picks AVX-512/AVX2 code at
// load time (as in kernels.c). In the Swift loops these were scalar: ~a
// quarter of a float32 training iteration went to the forward one alone.
//
// Every kernel does, per element, the Swift loop's float operations in the
// same order, with contraction off (Swift never fuses a*b+c) and no
// reassociation, so float64 and float32 training give the same bits as
// before: relu is Swift.max(x, 0), i.e. 0 >= x ? 0 : x (NaN passes, −0
// becomes +0); tanh is libm's tanh / tanhf, what Foundation.tanh calls
// (scalar calls: only relu vectorises); "+ 0" terms of the Swift
// expressions are kept, as they turn −0 into +0 there too.
#pragma clang fp contract(off)

#include "bpttkernels.h"
#include <math.h>

#if defined(__x86_64__) && defined(__linux__)
#define BPTT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BPTT_CLONES
#endif

// The buffers a kernel gets never overlap (states h_t and h_{t+1} are
// consecutive blocks of one array), hence restrict: no runtime alias checks
// per row.
#define RELU(v) ((0 >= (v)) ? 0 : (v))

// x ← x + b (+ σξ inside); next ← keep h + g f(x) + (inside ? 0 : g σ ξ),
// with XI the noise expression (xi[k], or 0 without noise).
#define FORWARD_LOOP(T, F, XI)                                                                                         \
  for (long r = 0; r < rows; r++) {                                                                                    \
    const T *restrict hr = h + r * n;                                                                                  \
    T *restrict xr = x + r * n, *restrict nr = next + r * n;                                                           \
    const T *restrict xir = xi ? xi + r * n : 0;                                                                            \
    (void)xir;                                                                                                         \
    if (inside) {                                                                                                      \
      for (long j = 0; j < n; j++) {                                                                                   \
        T xv = xr[j] + bias[j];                                                                                        \
        xv += sigma * (XI);                                                                                            \
        xr[j] = xv;                                                                                                    \
        nr[j] = keep * hr[j] + g * F(xv) + (T)0;                                                                       \
      }                                                                                                                \
    } else {                                                                                                           \
      for (long j = 0; j < n; j++) {                                                                                   \
        T xv = xr[j] + bias[j];                                                                                        \
        xr[j] = xv;                                                                                                    \
        nr[j] = keep * hr[j] + g * F(xv) + g * sigma * (XI);                                                           \
      }                                                                                                                \
    }                                                                                                                  \
  }

#define DEFINE_FORWARD(NAME, T, TANH)                                                                                  \
  BPTT_CLONES static void NAME##_relu(int inside, long rows, long n, const T *restrict h, T *restrict x, T *restrict next,  \
                                      const T *restrict bias, const T *restrict xi, T keep, T g, T sigma) {                                             \
    if (xi) {                                                                                                          \
      FORWARD_LOOP(T, RELU, xir[j])                                                                                    \
    } else {                                                                                                           \
      FORWARD_LOOP(T, RELU, (T)0)                                                                                      \
    }                                                                                                                  \
  }                                                                                                                    \
  static void NAME##_tanh(int inside, long rows, long n, const T *restrict h, T *restrict x, T *restrict next,        \
                          const T *restrict bias, const T *restrict xi,                                                \
                          T keep, T g, T sigma) {                                                                      \
    if (xi) {                                                                                                          \
      FORWARD_LOOP(T, TANH, xir[j])                                                                                    \
    } else {                                                                                                           \
      FORWARD_LOOP(T, TANH, (T)0)                                                                                      \
    }                                                                                                                  \
  }                                                                                                                    \
  int NAME(int activation, int inside, long rows, long n, const T *h, T *x, T *next, const T *bias, const T *xi,       \
           T keep, T g, T sigma) {                                                                                     \
    switch (activation) {                                                                                              \
    case FP_BPTT_RELU: NAME##_relu(inside, rows, n, h, x, next, bias, xi, keep, g, sigma); return 1;                   \
    case FP_BPTT_TANH: NAME##_tanh(inside, rows, n, h, x, next, bias, xi, keep, g, sigma); return 1;                   \
    default: return 0;                                                                                                 \
    }                                                                                                                  \
  }

DEFINE_FORWARD(fp_bptt_forward_f64, double, tanh)
DEFINE_FORWARD(fp_bptt_forward_f32, float, tanhf)

// gh += dz_r · w_out (when dz), then dx = g · gh · (x ≥ 0 ? 1 : 0).
#define DEFINE_RELU_BACK(NAME, T)                                                                                      \
  BPTT_CLONES void NAME(long rows, long n, T *restrict gh, const T *restrict dz, const T *restrict w_out,        \
                        const T *restrict x, T *restrict dx, T g) {               \
    for (long r = 0; r < rows; r++) {                                                                                  \
      T *restrict ghr = gh + r * n, *restrict dxr = dx + r * n;                                                        \
      const T *restrict xr = x + r * n;                                                                                      \
      if (dz) {                                                                                                        \
        const T e = dz[r];                                                                                             \
        for (long j = 0; j < n; j++) ghr[j] += e * w_out[j];                                                           \
      }                                                                                                                \
      for (long j = 0; j < n; j++) dxr[j] = g * ghr[j] * (xr[j] >= 0 ? (T)1 : (T)0);                                   \
    }                                                                                                                  \
  }

DEFINE_RELU_BACK(fp_bptt_relu_back_f64, double)
DEFINE_RELU_BACK(fp_bptt_relu_back_f32, float)

#define DEFINE_LEAK(NAME, T)                                                                                           \
  BPTT_CLONES void NAME(long count, T *restrict gh, const T *restrict previous, T keep) {                                                \
    for (long k = 0; k < count; k++) gh[k] = keep * gh[k] + previous[k];                                               \
  }

DEFINE_LEAK(fp_bptt_leak_f64, double)
DEFINE_LEAK(fp_bptt_leak_f32, float)

// Row after row, so each column is summed in row order (vectorised across
// columns, never reassociated within one).
#define DEFINE_COLUMN_SUMS(NAME, T)                                                                                    \
  BPTT_CLONES void NAME(long rows, long n, const T *restrict a, T *restrict out) {                                                       \
    for (long r = 0; r < rows; r++) {                                                                                  \
      const T *restrict ar = a + r * n;                                                                                       \
      for (long j = 0; j < n; j++) out[j] += ar[j];                                                                    \
    }                                                                                                                  \
  }

DEFINE_COLUMN_SUMS(fp_bptt_column_sums_f64, double)
DEFINE_COLUMN_SUMS(fp_bptt_column_sums_f32, float)
