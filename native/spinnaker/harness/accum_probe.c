/*
 * Measures how the compiler's s16.15 arithmetic rounds: reads pairs of raw
 * accum values and writes, per pair, the raw results of a * b, a + b, a - b
 * and of the model's glif3_scale(a, (u0.32) b).  Run under qemu-arm; the
 * results are compared with pynn_glif3/verification/spinnaker_fixed_point.py.
 *
 * Usage: accum_probe.elf INPUT OUTPUT   (little-endian int32 pairs / quads)
 */
#include <stdio.h>
#include <string.h>

#include <common/neuron-typedefs.h>
#include <glif3/glif3_fixed_point.h>

static glif3_u032_t u032_bits(uint32_t bits) {
    glif3_u032_t c;
    memcpy(&c, &bits, sizeof(c));
    return c;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    FILE *out = fopen(argv[2], "wb");
    if (in == NULL || out == NULL) {
        fprintf(stderr, "cannot open files\n");
        return 2;
    }
    int32_t pair[2];
    while (fread(pair, sizeof(int32_t), 2, in) == 2) {
        REAL a = glif3_k_bits(pair[0]);
        REAL b = glif3_k_bits(pair[1]);
        int32_t result[4] = {
            glif3_bits_k(a * b),
            glif3_bits_k(a + b),
            glif3_bits_k(a - b),
            glif3_bits_k(glif3_scale(a, u032_bits((uint32_t) pair[1]))),
        };
        if (fwrite(result, sizeof(int32_t), 4, out) != 4) {
            fprintf(stderr, "cannot write\n");
            return 2;
        }
    }
    fclose(in);
    return fclose(out) == 0 ? 0 : 2;
}
