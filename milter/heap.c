/*
 * heap.c - keep the memory of finished messages for the next one (see heap.h)
 *
 * Setting both thresholds also stops glibc from moving them by itself;
 * libmilter's worker threads get their own arenas, and their heaps are
 * trimmed by the same threshold.
 */
#include "heap.h"

#include <malloc.h>

void
milter_heap_tune(void)
{
    mallopt(M_MMAP_THRESHOLD, MILTER_HEAP_MMAP_MIN);
    mallopt(M_TRIM_THRESHOLD, MILTER_HEAP_TRIM_MIN);
}
