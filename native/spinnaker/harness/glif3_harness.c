/*
 * Test harness for the GLIF3Alpha SpiNNaker model headers.
 *
 * Built with arm-none-eabi-gcc for the ARM968 and run under qemu-arm, it steps
 * the model headers exactly as sPyNNaker's standard neuron implementation does
 * every time step:
 *
 *   1. ring-buffer transfer: each non-zero 16-bit ring-buffer entry of the
 *      current slot is shifted left by its synapse type's shift into an s16.15
 *      input and handed to synapse_types_add_neuron_input(); the slot is
 *      cleared;
 *   2. per neuron: get the synaptic inputs, apply the (current) input type,
 *      neuron_model_state_update(), threshold test, neuron_model_has_spiked()
 *      on a spike, then synapse_types_shape_input();
 *   3. spikes of this step are delivered into the ring buffers at slot
 *      (step + delay) with 16-bit saturating addition, as sPyNNaker's synapse
 *      processing does for a spike received in the step it was sent.
 *
 * External input (input spikes, background) comes per step as ready-made
 * ring-buffer values and is added to the current slot before the transfer.
 * Steps are sPyNNaker's time steps: the model's hold first, then one per
 * training row (the Python side places each row's input accordingly).
 *
 * Usage:
 *   glif3_harness.elf INPUT OUTPUT     run a simulation (formats below)
 *   glif3_harness.elf --layout OUTPUT  write the struct layouts as text
 *   glif3_harness.elf --params INPUT OUTPUT
 *                                      decode the parameter blocks of INPUT
 *                                      field by field, as text
 *
 * Input (little-endian 32-bit words):
 *   header[16]: magic 'GLF3', version, n_neurons, n_steps, n_slots (power of
 *               2), n_synapse_types, record mask (1 V, 2 ASC, 4 PSC),
 *               n_synapses, has_external, 7 zero words
 *   shifts[n_synapse_types]
 *   neuron_params_t[n], threshold_type_params_t[n], synapse_types_params_t[n]
 *   row_start[n + 1], then n_synapses x (target, type, delay, weight)
 *   if has_external: n_steps x [n_synapse_types][n] ring-buffer values
 * Output:
 *   header[16]: magic 'GLFO', version, n_neurons, n_steps, record mask,
 *               sizeof neuron_params_t, threshold_type_params_t,
 *               synapse_types_params_t, neuron_t, threshold_type_t,
 *               synapse_types_t, 5 zero words
 *   per step: spikes uint8[n] (padded to 4 bytes), then as recorded
 *             V int32[n], ASC int32[n][2], PSC int32[n][4] (raw s16.15)
 *   trailer: neuron_params_t[n] and synapse_types_params_t[n] written by
 *            the save_state functions, then the saturation count
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glif3/models/neuron_model_glif3_impl.h>
#include <glif3/synapse_types/synapse_types_glif3_alpha_impl.h>
#include <neuron/input_types/input_type_current.h>
#include <glif3/threshold_types/threshold_type_glif3.h>

#define MAGIC_INPUT 0x33464c47u   // "GLF3"
#define MAGIC_OUTPUT 0x4f464c47u  // "GLFO"
#define FORMAT_VERSION 1u
#define HEADER_WORDS 16

enum { RECORD_V = 1, RECORD_ASC = 2, RECORD_PSC = 4 };

static void fail(const char *message) {
    fprintf(stderr, "glif3_harness: %s\n", message);
    exit(2);
}

static void read_exact(FILE *f, void *buffer, size_t bytes) {
    if (bytes > 0 && fread(buffer, 1, bytes, f) != bytes) {
        fail("input file is truncated");
    }
}

static void write_exact(FILE *f, const void *buffer, size_t bytes) {
    if (bytes > 0 && fwrite(buffer, 1, bytes, f) != bytes) {
        fail("cannot write output");
    }
}

static void *allocate(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) {
        fail("out of memory");
    }
    return p;
}

static uint32_t raw_word(const void *field) {
    uint32_t raw;
    memcpy(&raw, field, sizeof(raw));
    return raw;
}

// ---------------------------------------------------------------------------
// Field lists: the layout the Python packer must reproduce.

#define NEURON_PARAMS_FIELDS(X) \
    X(v_init) X(asc_1_init) X(asc_2_init) X(refract_init) X(spiked_init) \
    X(hold_init) X(e_l) X(decay_v) X(drive_v) X(decay_asc_1) X(decay_asc_2) \
    X(asc_amp_1) X(asc_amp_2) X(i_offset) X(reset_jump) X(refract_steps)
#define NEURON_FIELDS(X) \
    X(v) X(asc_1) X(asc_2) X(refract) X(spiked) X(hold) \
    X(e_l) X(decay_v) X(drive_v) X(decay_asc_1) X(decay_asc_2) \
    X(asc_amp_1) X(asc_amp_2) X(i_offset) X(reset_jump) X(refract_steps)
#define RECEPTOR_PARAMS_FIELDS(X) \
    X(rise_init) X(psc_init) X(decay) X(rise_to_psc)
#define RECEPTOR_FIELDS(X) \
    X(decay) X(rise_to_psc) X(rise) X(psc) X(arriving)

//! sPyNNaker data type name of a struct member's C type.
#define TYPE_NAME(member) _Generic((member), \
    accum: "S1615", \
    unsigned long fract: "U032", \
    uint32_t: "UINT32", \
    default: "?")

static void write_layout(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fail("cannot open layout output");
    }
#define LAYOUT(type, field) \
    fprintf(f, "%s %s %u %u %s\n", #type, #field, \
            (unsigned) offsetof(type, field), \
            (unsigned) sizeof(((type *) 0)->field), \
            TYPE_NAME(((type *) 0)->field));
#define NP(field) LAYOUT(neuron_params_t, field)
#define NS(field) LAYOUT(neuron_t, field)
    NEURON_PARAMS_FIELDS(NP)
    NEURON_FIELDS(NS)
    LAYOUT(threshold_type_params_t, threshold)
    LAYOUT(threshold_type_t, threshold)
    for (unsigned r = 0; r < GLIF3_N_RECEPTORS; r++) {
#define RP(field) \
        fprintf(f, "synapse_types_params_t receptor%u.%s %u %u %s\n", r + 1, \
                #field, (unsigned) (offsetof(synapse_types_params_t, receptor) \
                + r * sizeof(glif3_alpha_params_t) \
                + offsetof(glif3_alpha_params_t, field)), \
                (unsigned) sizeof(((glif3_alpha_params_t *) 0)->field), \
                TYPE_NAME(((glif3_alpha_params_t *) 0)->field));
#define RS(field) \
        fprintf(f, "synapse_types_t receptor%u.%s %u %u %s\n", r + 1, #field, \
                (unsigned) (offsetof(synapse_types_t, receptor) \
                + r * sizeof(glif3_alpha_state_t) \
                + offsetof(glif3_alpha_state_t, field)), \
                (unsigned) sizeof(((glif3_alpha_state_t *) 0)->field), \
                TYPE_NAME(((glif3_alpha_state_t *) 0)->field));
        RECEPTOR_PARAMS_FIELDS(RP)
        RECEPTOR_FIELDS(RS)
    }
    LAYOUT(synapse_types_params_t, hold_init)
    LAYOUT(synapse_types_t, hold)
    fprintf(f, "sizeof neuron_params_t %u\n", (unsigned) sizeof(neuron_params_t));
    fprintf(f, "sizeof neuron_t %u\n", (unsigned) sizeof(neuron_t));
    fprintf(f, "sizeof threshold_type_params_t %u\n",
            (unsigned) sizeof(threshold_type_params_t));
    fprintf(f, "sizeof threshold_type_t %u\n", (unsigned) sizeof(threshold_type_t));
    fprintf(f, "sizeof synapse_types_params_t %u\n",
            (unsigned) sizeof(synapse_types_params_t));
    fprintf(f, "sizeof synapse_types_t %u\n", (unsigned) sizeof(synapse_types_t));
    fprintf(f, "sizeof input_type_t %u\n", (unsigned) sizeof(input_type_t));
    fprintf(f, "constant SYNAPSE_TYPE_COUNT %u\n", (unsigned) SYNAPSE_TYPE_COUNT);
    fprintf(f, "constant SYNAPSE_TYPE_BITS %u\n", (unsigned) SYNAPSE_TYPE_BITS);
    fprintf(f, "constant NUM_EXCITATORY_RECEPTORS %u\n",
            (unsigned) NUM_EXCITATORY_RECEPTORS);
    fprintf(f, "constant NUM_INHIBITORY_RECEPTORS %u\n",
            (unsigned) NUM_INHIBITORY_RECEPTORS);
    fclose(f);
}

// ---------------------------------------------------------------------------
// Input

typedef struct problem_t {
    uint32_t n_neurons, n_steps, n_slots, n_types, record, n_synapses;
    uint32_t has_external;
    uint32_t *shifts;
    neuron_params_t *neuron_params;
    threshold_type_params_t *threshold_params;
    synapse_types_params_t *synapse_params;
    uint32_t *row_start;
    uint32_t *synapses;          // n_synapses x (target, type, delay, weight)
} problem_t;

static void read_problem(FILE *f, problem_t *p) {
    uint32_t header[HEADER_WORDS];
    read_exact(f, header, sizeof(header));
    if (header[0] != MAGIC_INPUT || header[1] != FORMAT_VERSION) {
        fail("not a GLIF3 harness input file of this version");
    }
    p->n_neurons = header[2];
    p->n_steps = header[3];
    p->n_slots = header[4];
    p->n_types = header[5];
    p->record = header[6];
    p->n_synapses = header[7];
    p->has_external = header[8];
    if (p->n_types != SYNAPSE_TYPE_COUNT) {
        fail("the number of synapse types does not match the model");
    }
    if (p->n_slots == 0 || (p->n_slots & (p->n_slots - 1)) != 0) {
        fail("the number of delay slots must be a power of two");
    }
    uint32_t n = p->n_neurons;
    p->shifts = allocate(p->n_types, sizeof(uint32_t));
    read_exact(f, p->shifts, p->n_types * sizeof(uint32_t));
    p->neuron_params = allocate(n, sizeof(neuron_params_t));
    read_exact(f, p->neuron_params, n * sizeof(neuron_params_t));
    p->threshold_params = allocate(n, sizeof(threshold_type_params_t));
    read_exact(f, p->threshold_params, n * sizeof(threshold_type_params_t));
    p->synapse_params = allocate(n, sizeof(synapse_types_params_t));
    read_exact(f, p->synapse_params, n * sizeof(synapse_types_params_t));
    p->row_start = allocate(n + 1, sizeof(uint32_t));
    read_exact(f, p->row_start, (n + 1) * sizeof(uint32_t));
    p->synapses = allocate(p->n_synapses, 4 * sizeof(uint32_t));
    read_exact(f, p->synapses, p->n_synapses * 4 * sizeof(uint32_t));
    if (p->row_start[n] != p->n_synapses) {
        fail("synapse rows do not add up");
    }
    for (uint32_t s = 0; s < p->n_synapses; s++) {
        const uint32_t *syn = &p->synapses[4 * s];
        if (syn[0] >= n || syn[1] >= p->n_types || syn[2] == 0
                || syn[2] > p->n_slots || syn[3] > 0xFFFF) {
            fail("synapse out of range (target, type, delay 1..n_slots, "
                    "16-bit weight)");
        }
    }
}

static void write_params_text(const char *in_path, const char *out_path) {
    FILE *in = fopen(in_path, "rb");
    FILE *out = fopen(out_path, "w");
    if (in == NULL || out == NULL) {
        fail("cannot open files");
    }
    problem_t p;
    read_problem(in, &p);
    fclose(in);
    for (uint32_t i = 0; i < p.n_neurons; i++) {
        const neuron_params_t *np = &p.neuron_params[i];
#define PRINT_NP(field) \
        fprintf(out, "%u neuron %s %lu\n", (unsigned) i, #field, \
                (unsigned long) raw_word(&np->field));
        NEURON_PARAMS_FIELDS(PRINT_NP)
        fprintf(out, "%u threshold threshold %lu\n", (unsigned) i,
                (unsigned long) raw_word(&p.threshold_params[i].threshold));
        for (unsigned r = 0; r < GLIF3_N_RECEPTORS; r++) {
            const glif3_alpha_params_t *rp = &p.synapse_params[i].receptor[r];
#define PRINT_RP(field) \
            fprintf(out, "%u synapse receptor%u.%s %lu\n", (unsigned) i, r + 1, \
                    #field, (unsigned long) raw_word(&rp->field));
            RECEPTOR_PARAMS_FIELDS(PRINT_RP)
        }
        fprintf(out, "%u synapse hold_init %lu\n", (unsigned) i,
                (unsigned long) p.synapse_params[i].hold_init);
    }
    fclose(out);
}

// ---------------------------------------------------------------------------
// Simulation

static uint32_t saturation_count = 0;

//! 16-bit saturating accumulation, as sPyNNaker's ring buffers do.
static inline void ring_add(weight_t *entry, uint32_t value) {
    uint32_t sum = (uint32_t) *entry + value;
    if (sum > 0xFFFFu || sum < value) {
        sum = 0xFFFFu;
        saturation_count++;
    }
    *entry = (weight_t) sum;
}

//! A ring-buffer value as an s16.15 input (sPyNNaker's weight conversion).
static inline input_t ring_value_to_input(weight_t value, uint32_t shift) {
    return glif3_k_bits((int32_t) ((uint32_t) value << shift));
}

static void simulate(FILE *in, FILE *out) {
    problem_t p;
    read_problem(in, &p);
    const uint32_t n = p.n_neurons, n_types = p.n_types;
    const uint32_t slot_mask = p.n_slots - 1;

    neuron_t *neurons = allocate(n, sizeof(neuron_t));
    threshold_type_t *thresholds = allocate(n, sizeof(threshold_type_t));
    synapse_types_t *synapses = allocate(n, sizeof(synapse_types_t));
    input_type_t *input_types = allocate(n, sizeof(input_type_t));
    for (uint32_t i = 0; i < n; i++) {
        neuron_model_initialise(&neurons[i], &p.neuron_params[i], 1);
        threshold_type_initialise(&thresholds[i], &p.threshold_params[i], 1);
        synapse_types_initialise(&synapses[i], &p.synapse_params[i], 1);
    }

    weight_t *ring = allocate((size_t) p.n_slots * n_types * n, sizeof(weight_t));
    uint32_t *external = allocate((size_t) n_types * n, sizeof(uint32_t));
    uint8_t *spiked = allocate(n + 4, 1);
    const uint32_t spike_bytes = (n + 3) & ~3u;
    int32_t *record_v = allocate(n, sizeof(int32_t));
    int32_t *record_asc = allocate(2 * n, sizeof(int32_t));
    int32_t *record_psc = allocate(GLIF3_N_RECEPTORS * n, sizeof(int32_t));

    uint32_t header[HEADER_WORDS] = {
        MAGIC_OUTPUT, FORMAT_VERSION, n, p.n_steps, p.record,
        sizeof(neuron_params_t), sizeof(threshold_type_params_t),
        sizeof(synapse_types_params_t), sizeof(neuron_t),
        sizeof(threshold_type_t), sizeof(synapse_types_t), 0, 0, 0, 0, 0
    };
    write_exact(out, header, sizeof(header));

    for (uint32_t step = 0; step < p.n_steps; step++) {
        weight_t *slot = &ring[(size_t) (step & slot_mask) * n_types * n];

        // External input of this step enters the current slot.
        if (p.has_external) {
            read_exact(in, external, (size_t) n_types * n * sizeof(uint32_t));
            for (uint32_t k = 0; k < n_types * n; k++) {
                if (external[k] != 0) {
                    ring_add(&slot[k], external[k]);
                }
            }
        }

        // 1. Transfer the slot to the synapse types.
        for (uint32_t type = 0; type < n_types; type++) {
            for (uint32_t i = 0; i < n; i++) {
                weight_t value = slot[type * n + i];
                if (value > 0) {
                    synapse_types_add_neuron_input(
                            type, &synapses[i],
                            ring_value_to_input(value, p.shifts[type]));
                }
                slot[type * n + i] = 0;
            }
        }

        // 2. Neuron update, in the order of neuron_impl_standard.
        for (uint32_t i = 0; i < n; i++) {
            neuron_t *neuron = &neurons[i];
            synapse_types_t *synapse_type = &synapses[i];
            state_t soma_voltage = neuron_model_get_membrane_voltage(neuron);

            input_t exc_values[NUM_EXCITATORY_RECEPTORS];
            input_t *exc_syn = synapse_types_get_excitatory_input(
                    exc_values, synapse_type);
            input_t inh_values[NUM_INHIBITORY_RECEPTORS];
            input_t *inh_syn = synapse_types_get_inhibitory_input(
                    inh_values, synapse_type);
            input_t *exc_input = input_type_get_input_value(
                    exc_syn, &input_types[i], NUM_EXCITATORY_RECEPTORS);
            input_t *inh_input = input_type_get_input_value(
                    inh_syn, &input_types[i], NUM_INHIBITORY_RECEPTORS);
            input_type_convert_excitatory_input_to_current(
                    exc_input, &input_types[i], soma_voltage);
            input_type_convert_inhibitory_input_to_current(
                    inh_input, &input_types[i], soma_voltage);

            REAL current_offset = ZERO;     // no current sources here
            input_t external_bias = ZERO;   // no additional input
            state_t result = neuron_model_state_update(
                    NUM_EXCITATORY_RECEPTORS, exc_input,
                    NUM_INHIBITORY_RECEPTORS, inh_input,
                    external_bias, current_offset, neuron);
            spiked[i] = threshold_type_is_above_threshold(
                    result, &thresholds[i]);
            if (spiked[i]) {
                neuron_model_has_spiked(neuron);
            }
            synapse_types_shape_input(synapse_type);

            record_v[i] = glif3_bits_k(neuron_model_get_membrane_voltage(neuron));
            record_asc[2 * i] = glif3_bits_k(neuron->asc_1);
            record_asc[2 * i + 1] = glif3_bits_k(neuron->asc_2);
            for (uint32_t r = 0; r < GLIF3_N_RECEPTORS; r++) {
                record_psc[GLIF3_N_RECEPTORS * i + r] =
                        glif3_bits_k(synapse_type->receptor[r].psc);
            }
        }

        write_exact(out, spiked, spike_bytes);
        if (p.record & RECORD_V) {
            write_exact(out, record_v, n * sizeof(int32_t));
        }
        if (p.record & RECORD_ASC) {
            write_exact(out, record_asc, 2 * n * sizeof(int32_t));
        }
        if (p.record & RECORD_PSC) {
            write_exact(out, record_psc, GLIF3_N_RECEPTORS * n * sizeof(int32_t));
        }

        // 3. Deliver this step's spikes: delay d lands in slot step + d.
        for (uint32_t source = 0; source < n; source++) {
            if (!spiked[source]) {
                continue;
            }
            for (uint32_t s = p.row_start[source]; s < p.row_start[source + 1];
                    s++) {
                const uint32_t *syn = &p.synapses[4 * s];
                uint32_t target_slot = (step + syn[2]) & slot_mask;
                ring_add(&ring[((size_t) target_slot * n_types + syn[1]) * n
                        + syn[0]], syn[3]);
            }
        }
    }

    // State written back as sPyNNaker does when a run pauses.
    for (uint32_t i = 0; i < n; i++) {
        neuron_model_save_state(&neurons[i], &p.neuron_params[i]);
        threshold_type_save_state(&thresholds[i], &p.threshold_params[i]);
        synapse_types_save_state(&synapses[i], &p.synapse_params[i]);
    }
    write_exact(out, p.neuron_params, n * sizeof(neuron_params_t));
    write_exact(out, p.synapse_params, n * sizeof(synapse_types_params_t));
    write_exact(out, &saturation_count, sizeof(saturation_count));
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--layout") == 0) {
        write_layout(argv[2]);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--params") == 0) {
        write_params_text(argv[2], argv[3]);
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT | --layout OUTPUT | "
                "--params INPUT OUTPUT\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        fail("cannot open input");
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL) {
        fail("cannot open output");
    }
    simulate(in, out);
    fclose(in);
    if (fclose(out) != 0) {
        fail("cannot close output");
    }
    return 0;
}
