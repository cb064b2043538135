/* isa_check.c:
 *   isa_check LIBRARY             dlopen one libfastals build and print the kernel path it runs
 *                                 (0 scalar, 1 vector256, 2 vector512)
 *   isa_check --level CPU_LIBRARY print the x86-64 level this machine runs (2, 3 or 4; 1 below v2), as
 *                                 fastals_cpu_level() in libfastals_cpu.so decides it (the rule the Python
 *                                 package and interop/build.sh use too) */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "fastals.h"

static void* open_library(const char* path)
{
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
    {
        fprintf(stderr, "dlopen: %s\n", dlerror());
    }

    return lib;
}

int main(int argc, char** argv)
{
    if (argc == 3 && strcmp(argv[1], "--level") == 0)
    {
        void* cpu = open_library(argv[2]);
        if (cpu == NULL)
        {
            return 1;
        }

        int (*level)(void) = (int (*)(void))dlsym(cpu, "fastals_cpu_level");
        if (level == NULL)
        {
            fprintf(stderr, "dlsym: %s\n", dlerror());
            return 1;
        }

        printf("%d\n", level());
        return 0;
    }

    if (argc != 2)
    {
        fprintf(stderr, "usage: isa_check LIBRARY | isa_check --level CPU_LIBRARY\n");
        return 2;
    }

    void* lib = open_library(argv[1]);
    if (lib == NULL)
    {
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
