/*
 * burst.h - how many links of one message were clicked just now
 *
 * Owns: a fixed-size, lossy table of recent clicks per (message, contact),
 * so the classifier can spot a scanner that follows every link of a mail
 * within a couple of seconds. Each slot keeps the last BURST_LINKS
 * distinct links with the time each was clicked; a slot is reused when
 * another message hashes to it, which can only make a burst look smaller,
 * never invent one. Memory is fixed at start: about 200 bytes a slot.
 *
 * THREADS
 *     Any thread may call burst_note(); slots are guarded by striped locks.
 *
 * Depends on: pthreads, libc.
 */
#ifndef TERN_TRACK_BURST_H
#define TERN_TRACK_BURST_H

#include <stdint.h>

#define BURST_LINKS 8 /* distinct links remembered per message */

struct burst;

/* A table of `slots` entries (rounded up to a power of two). NULL on ENOMEM. */
struct burst *burst_new(unsigned slots);
void burst_free(struct burst *b);

/*
 * Note a click on `link` of `message` (16 bytes) for `contact` at `now_us`
 * and return how many distinct links of it, this one included, were
 * clicked within the `window_us` ending now (track.burst_window, which a
 * reload may change).
 */
unsigned burst_note(struct burst *b, const unsigned char message[16], int64_t contact,
                    uint32_t link, int64_t now_us, int64_t window_us);

#endif
