// Shim for the parts of GSL that Swift cannot use directly.
//
// GSL's algorithm descriptors (gsl_rng_mt19937, gsl_root_fsolver_brent, ...)
// are mutable C globals; Swift 6 rejects reading them as not
// concurrency-safe. Each one is returned from a static inline accessor here
// instead. Everything else in GSL imports as is.
#ifndef CGSL_SHIM_H
#define CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_exp.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_multifit_nlinear.h>

static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *cgsl_rng_ranlxd2(void) { return gsl_rng_ranlxd2; }

static inline const gsl_root_fsolver_type *cgsl_root_fsolver_brent(void) { return gsl_root_fsolver_brent; }
static inline const gsl_root_fsolver_type *cgsl_root_fsolver_bisection(void) { return gsl_root_fsolver_bisection; }

static inline const gsl_multiroot_fdfsolver_type *cgsl_multiroot_fdfsolver_hybridsj(void) { return gsl_multiroot_fdfsolver_hybridsj; }
static inline const gsl_multiroot_fdfsolver_type *cgsl_multiroot_fdfsolver_newton(void) { return gsl_multiroot_fdfsolver_newton; }
static inline const gsl_multiroot_fsolver_type *cgsl_multiroot_fsolver_hybrids(void) { return gsl_multiroot_fsolver_hybrids; }
static inline const gsl_multiroot_fsolver_type *cgsl_multiroot_fsolver_hybrid(void) { return gsl_multiroot_fsolver_hybrid; }

static inline const gsl_multifit_nlinear_type *cgsl_multifit_nlinear_trust(void) { return gsl_multifit_nlinear_trust; }
static inline const gsl_multifit_nlinear_trs *cgsl_multifit_nlinear_trs_lm(void) { return gsl_multifit_nlinear_trs_lm; }
static inline const gsl_multifit_nlinear_trs *cgsl_multifit_nlinear_trs_lmaccel(void) { return gsl_multifit_nlinear_trs_lmaccel; }
static inline const gsl_multifit_nlinear_trs *cgsl_multifit_nlinear_trs_dogleg(void) { return gsl_multifit_nlinear_trs_dogleg; }
static inline const gsl_multifit_nlinear_trs *cgsl_multifit_nlinear_trs_ddogleg(void) { return gsl_multifit_nlinear_trs_ddogleg; }
static inline const gsl_multifit_nlinear_trs *cgsl_multifit_nlinear_trs_subspace2D(void) { return gsl_multifit_nlinear_trs_subspace2D; }
static inline const gsl_multifit_nlinear_scale *cgsl_multifit_nlinear_scale_more(void) { return gsl_multifit_nlinear_scale_more; }
static inline const gsl_multifit_nlinear_scale *cgsl_multifit_nlinear_scale_levenberg(void) { return gsl_multifit_nlinear_scale_levenberg; }
static inline const gsl_multifit_nlinear_scale *cgsl_multifit_nlinear_scale_marquardt(void) { return gsl_multifit_nlinear_scale_marquardt; }
static inline const gsl_multifit_nlinear_solver *cgsl_multifit_nlinear_solver_qr(void) { return gsl_multifit_nlinear_solver_qr; }
static inline const gsl_multifit_nlinear_solver *cgsl_multifit_nlinear_solver_cholesky(void) { return gsl_multifit_nlinear_solver_cholesky; }
static inline const gsl_multifit_nlinear_solver *cgsl_multifit_nlinear_solver_svd(void) { return gsl_multifit_nlinear_solver_svd; }

#endif
