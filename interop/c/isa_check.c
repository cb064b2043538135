/* isa_check.c: dlopen one libfastals build and print the kernel path it runs (0 scalar, 1 vector256, 2 vector512).
 *   isa_check path/to/libfastals_vN.so */
#include <dlfcn.h>
#include <stdio.h>

#include "fastals.h"

int main(int argc, char** argv)
{
    if (argc != 2)
    {
        fprintf(stderr, "usage: isa_check LIBRARY\n");
        return 2;
    }

    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
    {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }

    int32_t (*kernel_path)(int32_t*) = (int32_t (*)(int32_t*))dlsym(lib, "fastals_kernel_path");
    if (kernel_path == NULL)
    {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }

    int32_t path = -1;
    if (kernel_path(&path) != FASTALS_OK)
    {
        return 1;
    }

    printf("%d\n", path);
    return 0;
}
