/* example.c: train an implicit ALS model through the libfastals C ABI and recommend.
 *
 *   example [interactions.csv|.tsv|.parquet]
 *
 * Without an argument it builds a small synthetic dataset from COO arrays. It loads data, trains with a
 * progress callback, recommends for user 0, and shows how errors are reported (a freed handle). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastals.h"

/* Prints the call's error (status + thread-local message) and returns non-zero on failure. */
static int check(int32_t status, const char* what)
{
    if (status == FASTALS_OK)
    {
        return 0;
    }

    char message[512];
    fastals_last_error(message, sizeof message);
    fprintf(stderr, "%s failed: status %d: %s\n", what, status, message);
    return 1;
}

static int32_t on_progress(int32_t iteration, int32_t half_step, double cost, double loss, void* user)
{
    (void)loss;
    int* calls = (int*)user;
    ++*calls;
    if (half_step == 1)
    {
        printf("iteration %d cost %.6g\n", iteration, cost);
    }

    return 0; /* non-zero would cancel training */
}

int main(int argc, char** argv)
{
    char info[256];
    int64_t len = 0;
    int32_t kernel = -1;
    if (check(fastals_build_info(info, sizeof info, &len), "fastals_build_info") || check(fastals_kernel_path(&kernel), "fastals_kernel_path"))
    {
        return 1;
    }

    printf("%s\nkernel path: %d\n", info, kernel);

    fastals_handle data = 0;
    if (argc > 1)
    {
        fastals_load_options_t load;
        fastals_load_options_init(&load);
        if (check(fastals_dataset_load(argv[1], &load, &data), "fastals_dataset_load"))
        {
            return 1;
        }
    }
    else
    {
        enum { USERS = 50, ITEMS = 40 };
        static int64_t users[USERS * 8], items[USERS * 8];
        static float values[USERS * 8];
        int64_t n = 0;
        for (int u = 0; u < USERS; u++)
        {
            for (int j = 0; j < 8; j++)
            {
                users[n] = 1000 + u;
                items[n] = 500 + (u * 7 + j * 5) % ITEMS;
                values[n] = (float)(1 + (u + j) % 3);
                n++;
            }
        }

        if (check(fastals_dataset_from_coo(users, n, items, n, values, n, &data), "fastals_dataset_from_coo"))
        {
            return 1;
        }
    }

    int32_t n_users = 0, n_items = 0;
    int64_t nnz = 0;
    fastals_dataset_shape(data, &n_users, &n_items, &nnz);
    printf("dataset: %d users, %d items, %lld interactions\n", n_users, n_items, (long long)nnz);

    fastals_fit_options_t options;
    fastals_fit_options_init(&options);
    options.kind = FASTALS_ALS_MODEL_KIND_IMPLICIT;
    options.factors = 16;
    options.iterations = 5;
    options.regularization = 0.05f;
    options.alpha = 2.0f;
    int calls = 0;
    options.progress = on_progress;
    options.progress_user = &calls;

    fastals_handle model = 0;
    if (check(fastals_model_fit(data, &options, &model), "fastals_model_fit"))
    {
        return 1;
    }

    printf("progress callbacks: %d\n", calls);

    int32_t top[5];
    float scores[5];
    int32_t count = 0;
    if (check(fastals_model_recommend(model, 0, 5, NULL, 0, 0, 0, NULL, 0, NULL, 0, 0, top, 5, scores, 5, &count), "fastals_model_recommend"))
    {
        return 1;
    }

    for (int r = 0; r < count; r++)
    {
        printf("recommend user 0: item %d score %.4f\n", top[r], scores[r]);
    }

    /* Errors: every call returns a status, and the message says what is wrong. */
    int32_t status = fastals_model_recommend(model, n_users + 10, 5, NULL, 0, 0, 0, NULL, 0, NULL, 0, 0, top, 5, scores, 5, &count);
    char message[512];
    fastals_last_error(message, sizeof message);
    printf("bad user index -> status %d: %s\n", status, message);

    fastals_model_free(model);
    status = fastals_model_recommend(model, 0, 5, NULL, 0, 0, 0, NULL, 0, NULL, 0, 0, top, 5, scores, 5, &count);
    fastals_last_error(message, sizeof message);
    printf("freed model -> status %d: %s\n", status, message);
    status = fastals_model_free(model);
    printf("double free -> status %d\n", status);

    fastals_dataset_free(data);
    int32_t live = -1;
    fastals_handle_count(&live);
    printf("live handles: %d\n", live);
    return live == 0 ? 0 : 1;
}
