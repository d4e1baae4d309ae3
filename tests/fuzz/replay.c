/*
 * replay.c - run a fuzz target over files, without libFuzzer
 *
 * Linked with one *_fuzz.c, it feeds each file named on the command line
 * to LLVMFuzzerTestOneInput and prints a TAP line per file, so `make check`
 * replays every committed seed and crash reproducer in every build (under
 * ASan/UBSan in the sanitizer build). A crash fails the whole test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        uint8_t *data = NULL;
        long size = -1;
        if (fp && fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 &&
            fseek(fp, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) &&
            fread(data, 1, (size_t)size, fp) == (size_t)size) {
            LLVMFuzzerTestOneInput(data, (size_t)size);
            printf("ok %d - replays %s\n", i, argv[i]);
        } else {
            printf("not ok %d - cannot read %s\n", i, argv[i]);
            failed++;
        }
        free(data);
        if (fp) fclose(fp);
    }
    printf("1..%d\n", argc - 1);
    return failed != 0;
}
