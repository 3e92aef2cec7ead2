// Any C library header first: it is what defines __GLIBC__ (without one the
// test below was always false and the function compiled to nothing).
#include <stdlib.h>

#include "malloc_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void cmalloc_retain_freed_memory(int bytes) {
#if defined(__GLIBC__)
  // glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 (32 MB on 64-bit
  // systems) and then keeps its default of 128 kB; fall back to that cap.
  if (!mallopt(M_MMAP_THRESHOLD, bytes)) mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, bytes);
#else
  (void)bytes;
#endif
}
