/*
 * track_burst_test.c - recent clicks per message (track/burst.c)
 */
#include "burst.h"
#include "tap.h"

#define SEC 1000000LL

static const unsigned char MSG_A[16] = {1, 2, 3};
static const unsigned char MSG_B[16] = {9, 8, 7};

static void
distinct_links_within_the_window_add_up(void)
{
    struct burst *b = burst_new(1024);
    burst_note(b, MSG_A, 42, 0, 100 * SEC, 2 * SEC);
    burst_note(b, MSG_A, 42, 1, 100 * SEC + 300000, 2 * SEC);
    is_int(burst_note(b, MSG_A, 42, 2, 101 * SEC, 2 * SEC), 3,
           "distinct_links_within_the_window_add_up");
    burst_free(b);
}

static void
the_same_link_twice_counts_once(void)
{
    struct burst *b = burst_new(1024);
    burst_note(b, MSG_A, 42, 5, 100 * SEC, 2 * SEC);
    is_int(burst_note(b, MSG_A, 42, 5, 100 * SEC + 1, 2 * SEC), 1,
           "the_same_link_twice_counts_once");
    burst_free(b);
}

static void
clicks_outside_the_window_are_forgotten(void)
{
    struct burst *b = burst_new(1024);
    burst_note(b, MSG_A, 42, 0, 100 * SEC, 2 * SEC);
    burst_note(b, MSG_A, 42, 1, 101 * SEC, 2 * SEC);
    is_int(burst_note(b, MSG_A, 42, 2, 103 * SEC, 2 * SEC), 2,
           "clicks_outside_the_window_are_forgotten");
    burst_free(b);
}

static void
other_messages_and_contacts_do_not_mix(void)
{
    struct burst *b = burst_new(1024);
    burst_note(b, MSG_A, 42, 0, 100 * SEC, 2 * SEC);
    burst_note(b, MSG_B, 42, 1, 100 * SEC, 2 * SEC);
    is_int(burst_note(b, MSG_A, 43, 2, 100 * SEC, 2 * SEC), 1,
           "other_messages_and_contacts_do_not_mix");
    burst_free(b);
}

static void
a_slot_remembers_at_most_burst_links(void)
{
    struct burst *b = burst_new(1024);
    unsigned n = 0;
    for (uint32_t link = 0; link < 20; link++)
        n = burst_note(b, MSG_A, 1, link, 100 * SEC + link, 60 * SEC);
    is_int(n, BURST_LINKS, "a_slot_remembers_at_most_burst_links");
    burst_free(b);
}

static void
each_click_counts_over_the_window_it_is_given(void)
{
    struct burst *b = burst_new(1024);
    burst_note(b, MSG_A, 42, 0, 100 * SEC, 2 * SEC);
    burst_note(b, MSG_A, 42, 1, 101 * SEC, 2 * SEC);
    is_int(burst_note(b, MSG_A, 42, 2, 101 * SEC + SEC / 2, SEC), 2,
           "each_click_counts_over_the_window_it_is_given (a reload may shorten it)");
    burst_free(b);
}

int
main(void)
{
    each_click_counts_over_the_window_it_is_given();
    distinct_links_within_the_window_add_up();
    the_same_link_twice_counts_once();
    clicks_outside_the_window_are_forgotten();
    other_messages_and_contacts_do_not_mix();
    a_slot_remembers_at_most_burst_links();
    return tap_done();
}
