// glibc malloc tuning, the one thing Swift cannot reach through Glibc:
// <malloc.h> (mallopt, M_MMAP_THRESHOLD) is not part of Swift's Glibc module.
#ifndef CMALLOCTUNING_H
#define CMALLOCTUNING_H

// Raises glibc's mmap and trim thresholds to `bytes` (the mmap one to at
// most glibc's cap, 32 MB on 64-bit systems), so freed blocks up to that
// size stay in the heap for reuse instead of going back to the kernel (and
// coming back as fresh zeroed pages). No effect on other C libraries.
void cmalloc_retain_freed_memory(int bytes);

#endif
