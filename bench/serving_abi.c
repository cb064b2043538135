/* serving_abi.c: serving latency through the libfastals C ABI, no Python in the way (issue 14, serving).
 *
 *   serving_abi LIB.so [--users 200000] [--items 50000] [--factors 64] [--n 10] [--per-user 50]
 *                      [--threads 0] [--single-threads 1] [--reps 300] [--json]
 *
 * LIB.so is a published libfastals (interop/build.sh --levels v3: interop/python/fastals/lib/libfastals_v3.so); it
 * is opened with dlopen so that two builds can be compared in alternating processes (bench/serving-abi.sh). Every
 * export is called through a pointer of the type fastals.h declares, so the driver is compiled against the header.
 *
 * The model is users x items x k of random factors (fastals_model_create + fastals_model_set_*_factors, no
 * training: serving cost depends on the shape only). Each user's seen items are --per-user random items, made on the
 * fly from the user index (the 10M-interaction set's density at the defaults). Rows (each the median of --reps calls
 * after a warm-up, different users/items per call):
 *   recommend                fastals_model_recommend, the user's seen items filtered
 *   recommend (no filter)    the same, filter_seen = 0
 *   similar_items            fastals_model_similar_items, one query item
 *   ..., T threads           with --single-threads T above 1: each single call above also with threads = T (the
 *                            catalogue split across T threads), alternating with the one-thread call on the same
 *                            user or item, so both rows come from the same moments of the run
 *   batch B                  fastals_model_recommend_batch of B users (seen rows filtered), --threads workers;
 *                            per-user cost = call / B
 * The output is one line per row (ms per call, us per user, users/s), or one JSON object with --json. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastals.h"

#define API(name) static __typeof__(name)* p_##name
API(fastals_last_error);
API(fastals_fit_options_init);
API(fastals_model_create);
API(fastals_model_set_user_factors);
API(fastals_model_set_item_factors);
API(fastals_model_free);
API(fastals_model_recommend);
API(fastals_model_recommend_batch);
API(fastals_model_similar_items);
API(fastals_build_info);

static void die(const char* what)
{
    fprintf(stderr, "serving_abi: %s\n", what);
    exit(1);
}

static void check(int32_t status, const char* what)
{
    if (status != FASTALS_OK)
    {
        char msg[512];
        p_fastals_last_error(msg, sizeof msg);
        fprintf(stderr, "serving_abi: %s failed: status %d: %s\n", what, status, msg);
        exit(1);
    }
}

static void* sym(void* lib, const char* name)
{
    void* p = dlsym(lib, name);
    if (!p)
    {
        fprintf(stderr, "serving_abi: %s not found: %s\n", name, dlerror());
        exit(1);
    }

    return p;
}

#define LOAD(lib, name) p_##name = (__typeof__(name)*)sym(lib, #name)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t next_u64(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A roughly normal value (sum of 4 uniforms, centred), scaled. */
static float gauss(float scale)
{
    double s = 0;
    for (int j = 0; j < 4; j++)
    {
        s += (double)(next_u64() >> 11) * (1.0 / 9007199254740992.0);
    }

    return (float)((s - 2.0) * 1.7320508 * scale);
}

static int cmp_int(const void* a, const void* b)
{
    int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void* a, const void* b)
{
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

/* The seen items of user u: per_user items from a generator seeded by u, sorted. */
static void seen_of(int32_t u, int per_user, int32_t items, int32_t* out)
{
    uint64_t s = 0xD1B54A32D192ED03ull * (uint64_t)(u + 1);
    for (int j = 0; j < per_user; j++)
    {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        out[j] = (int32_t)((s >> 33) % (uint64_t)items);
    }

    qsort(out, (size_t)per_user, sizeof *out, cmp_int);
}

static double median(double* t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

int main(int argc, char** argv)
{
    if (argc < 2)
    {
        die("usage: serving_abi LIB.so [--users N] [--items N] [--factors K] [--n N] [--per-user N] [--threads T] [--single-threads T] [--reps R] [--json]");
    }

    int32_t users = 200000, items = 50000, k = 64, n = 10, per_user = 50, threads = 0, single_threads = 1, reps = 300, json = 0;
    for (int a = 2; a < argc; a++)
    {
        const char* o = argv[a];
        if (!strcmp(o, "--json"))
        {
            json = 1;
            continue;
        }

        if (a + 1 >= argc)
        {
            die("option without a value");
        }

        int32_t v = (int32_t)atoi(argv[++a]);
        if (!strcmp(o, "--users")) users = v;
        else if (!strcmp(o, "--items")) items = v;
        else if (!strcmp(o, "--factors")) k = v;
        else if (!strcmp(o, "--n")) n = v;
        else if (!strcmp(o, "--per-user")) per_user = v;
        else if (!strcmp(o, "--threads")) threads = v;
        else if (!strcmp(o, "--single-threads")) single_threads = v;
        else if (!strcmp(o, "--reps")) reps = v;
        else die("unknown option");
    }

    if (users < 1000 || items < 2 || k < 1 || n < 1 || per_user < 0 || per_user > items || reps < 3 || single_threads < 1)
    {
        die("bad sizes");
    }

    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib)
    {
        fprintf(stderr, "serving_abi: dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }

    LOAD(lib, fastals_last_error);
    LOAD(lib, fastals_fit_options_init);
    LOAD(lib, fastals_model_create);
    LOAD(lib, fastals_model_set_user_factors);
    LOAD(lib, fastals_model_set_item_factors);
    LOAD(lib, fastals_model_free);
    LOAD(lib, fastals_model_recommend);
    LOAD(lib, fastals_model_recommend_batch);
    LOAD(lib, fastals_model_similar_items);
    LOAD(lib, fastals_build_info);

    fastals_fit_options_t opt;
    check(p_fastals_fit_options_init(&opt), "fastals_fit_options_init");
    opt.factors = k;
    opt.threads = threads;
    fastals_handle model = 0;
    check(p_fastals_model_create(&opt, users, items, &model), "fastals_model_create");
    {
        float scale = 1.0f / sqrtf((float)k);
        size_t big = (size_t)(users > items ? users : items) * (size_t)k;
        float* f = malloc(big * sizeof *f);
        if (!f) die("out of memory");
        for (size_t j = 0; j < (size_t)users * (size_t)k; j++) f[j] = gauss(scale);
        check(p_fastals_model_set_user_factors(model, f, (int64_t)users * k), "fastals_model_set_user_factors");
        for (size_t j = 0; j < (size_t)items * (size_t)k; j++) f[j] = gauss(scale);
        check(p_fastals_model_set_item_factors(model, f, (int64_t)items * k), "fastals_model_set_item_factors");
        free(f);
    }

    const int maxb = 1000;
    int32_t* out_items = malloc((size_t)maxb * (size_t)n * sizeof *out_items);
    float* out_scores = malloc((size_t)maxb * (size_t)n * sizeof *out_scores);
    int32_t* counts = malloc((size_t)maxb * sizeof *counts);
    int32_t* qusers = malloc((size_t)maxb * sizeof *qusers);
    int64_t* offsets = malloc((size_t)(maxb + 1) * sizeof *offsets);
    int32_t* seen = malloc((size_t)maxb * (size_t)(per_user > 0 ? per_user : 1) * sizeof *seen);
    double* t = malloc((size_t)reps * sizeof *t);
    if (!out_items || !out_scores || !counts || !qusers || !offsets || !seen || !t) die("out of memory");
    int32_t count = 0;
    int32_t one = 0;

    const char* names[16];
    double ms[16];
    double per[16];
    int rows = 0;

    /* single calls: recommend (seen filtered / not), similar_items; each on one thread and, with --single-threads T
     * above 1, also on T threads: the two alternate (which goes first too) on the same user or item. */
    static char split_names[3][96];
    double* t2 = malloc((size_t)reps * sizeof *t2);
    if (!t2) die("out of memory");
    int modes = single_threads > 1 ? 2 : 1;
    for (int kind = 0; kind < 3; kind++)
    {
        int filter = kind == 0;
        for (int r = -20; r < reps; r++)
        {
            int32_t u = (int32_t)(next_u64() % (uint64_t)users);
            one = (int32_t)(next_u64() % (uint64_t)items);
            if (kind < 2) seen_of(u, per_user, items, seen);
            for (int j = 0; j < modes; j++)
            {
                int split = modes == 2 && (j ^ (r & 1));
                int32_t th = split ? single_threads : 1;
                double t0 = now();
                if (kind < 2)
                {
                    check(p_fastals_model_recommend(model, u, n, seen, per_user, filter, 0, NULL, 0, NULL, 0, th, out_items, n, out_scores, n, &count), "fastals_model_recommend");
                }
                else
                {
                    check(p_fastals_model_similar_items(model, &one, 1, n, 0, NULL, 0, NULL, 0, th, out_items, n, out_scores, n, &count, 1), "fastals_model_similar_items");
                }

                double dt = now() - t0;
                if (r >= 0) (split ? t2 : t)[r] = dt;
            }
        }

        const char* base = kind == 0 ? "recommend, 1 user (seen filtered)" : kind == 1 ? "recommend, 1 user (no filter)" : "similar_items, 1 item";
        names[rows] = base;
        ms[rows] = median(t, reps) * 1e3;
        per[rows] = 1;
        rows++;
        if (modes == 2)
        {
            snprintf(split_names[kind], sizeof split_names[kind], "%s, %d threads", base, single_threads);
            names[rows] = split_names[kind];
            ms[rows] = median(t2, reps) * 1e3;
            per[rows] = 1;
            rows++;
        }
    }

    free(t2);

    static const int batches[] = {1, 10, 100, 1000};
    static const char* batch_names[] = {"batch of 1 user", "batch of 10 users", "batch of 100 users", "batch of 1000 users"};
    for (int bi = 0; bi < 4; bi++)
    {
        int b = batches[bi];
        int breps = b >= 1000 ? (reps / 20 > 5 ? reps / 20 : 5) : b >= 100 ? (reps / 4 > 5 ? reps / 4 : 5) : reps;
        for (int r = -3; r < breps; r++)
        {
            offsets[0] = 0;
            for (int q = 0; q < b; q++)
            {
                qusers[q] = (int32_t)(next_u64() % (uint64_t)users);
                seen_of(qusers[q], per_user, items, seen + offsets[q]);
                offsets[q + 1] = offsets[q] + per_user;
            }

            double t0 = now();
            check(p_fastals_model_recommend_batch(model, qusers, b, n, offsets, b + 1, seen, offsets[b], 1, 0, NULL, 0, NULL, 0, threads,
                out_items, (int64_t)b * n, out_scores, (int64_t)b * n, counts, b), "fastals_model_recommend_batch");
            double dt = now() - t0;
            if (r >= 0) t[r] = dt;
        }

        names[rows] = batch_names[bi];
        ms[rows] = median(t, breps) * 1e3;
        per[rows] = b;
        rows++;
    }

    char info[256];
    int64_t info_len = 0;
    check(p_fastals_build_info(info, sizeof info, &info_len), "fastals_build_info");
    if (json)
    {
        printf("{\"build\": \"%s\"", info);
        for (int r = 0; r < rows; r++)
        {
            printf(", \"%s\": %.6f", names[r], ms[r]);
        }

        printf("}\n");
    }
    else
    {
        printf("%s\nmodel %d users x %d items x k = %d, top %d, %d seen items a user, threads %d, single-call threads %s%d\n", info, users, items, k, n, per_user, threads, single_threads > 1 ? "1 and " : "", single_threads);
        printf("%-48s %12s %12s %12s\n", "call", "ms/call", "us/user", "users/s");
        for (int r = 0; r < rows; r++)
        {
            printf("%-48s %12.4f %12.2f %12.0f\n", names[r], ms[r], ms[r] * 1e3 / per[r], per[r] / (ms[r] * 1e-3));
        }
    }

    check(p_fastals_model_free(model), "fastals_model_free");
    free(out_items);
    free(out_scores);
    free(counts);
    free(qusers);
    free(offsets);
    free(seen);
    free(t);
    return 0;
}
