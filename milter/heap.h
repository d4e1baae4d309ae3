/*
 * heap.h - keep the memory of finished messages for the next one
 *
 * Owns: the process's malloc tuning for the milter. A managed message
 * allocates a handful of buffers of about its body's size (the body as
 * received, the document GMime parses, each leaf decoded, rendered,
 * rewritten and encoded, the new body), from 60 KB for a newsletter to
 * milter.max_size. By default glibc gives blocks over 128 KB their own
 * mmap and returns free memory at the top of a heap to the kernel once it
 * passes 128 KB, so every message faulted its buffers in afresh (a tenth
 * of the daemon's CPU in a profile). Call once at start, before the first
 * thread.
 *
 * Depends on: glibc (mallopt).
 */
#ifndef TERN_MILTER_HEAP_H
#define TERN_MILTER_HEAP_H

#define MILTER_HEAP_MMAP_MIN (16 << 20) /* blocks this big or bigger still get their own mmap */
#define MILTER_HEAP_TRIM_MIN (64 << 20) /* free memory kept at the top of each heap */

/* Keep freed message buffers in the heap instead of handing them back. */
void milter_heap_tune(void);

#endif
