#ifndef FIXEDPOINTS_CKERNELS_H
#define FIXEDPOINTS_CKERNELS_H

// The module's umbrella header: every header of the target, by name. An
// umbrella directory (SwiftPM's default without this file) lets a build
// that cached the module before a header was added keep the stale module,
// and Swift then cannot find the new header's names; a header listed here
// changes this file, which invalidates the cache.
#include "bpttkernels.h"
#include "kernels.h"
#include "lockstepkernels.h"

#endif
