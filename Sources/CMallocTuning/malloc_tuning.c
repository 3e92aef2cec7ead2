#include "malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void cmalloc_retain_freed_memory(int bytes) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, bytes);
  mallopt(M_TRIM_THRESHOLD, bytes);
#else
  (void)bytes;
#endif
}
