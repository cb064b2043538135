/* fastals_cpu.c -> libfastals_cpu.so: which x86-64 level (psABI micro-architecture level) this CPU *and* this OS run.
 *
 * The one rule that picks among libfastals_v2.so / _v3.so / _v4.so, used by the Python package (ctypes), by
 * interop/build.sh (the libfastals.so link) and by interop/c/isa_check. It asks the CPU (CPUID) through libgcc's
 * __builtin_cpu_supports("x86-64-vN"), which also checks with XGETBV that the OS saves the YMM (v3) and ZMM/opmask
 * (v4) registers, and never reads /proc/cpuinfo flag names (hypervisors and kernels leave some out, e.g. "abm").
 * The levels are the same feature sets NativeAOT's IlcInstructionSet=x86-64-vN compiles for. */
#if !defined(__x86_64__)
#error "libfastals_cpu is for x86-64"
#endif
#if defined(__clang__) || !defined(__GNUC__) || __GNUC__ < 12
#error "build with GCC 12 or newer (__builtin_cpu_supports(\"x86-64-v4\"))"
#endif

__attribute__((visibility("default"))) int fastals_cpu_level(void);

/* 4, 3 or 2 for x86-64-v4 / v3 / v2; 1 for a baseline x86-64 CPU below v2. */
int fastals_cpu_level(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
    {
        return 4;
    }

    if (__builtin_cpu_supports("x86-64-v3"))
    {
        return 3;
    }

    if (__builtin_cpu_supports("x86-64-v2"))
    {
        return 2;
    }

    return 1;
}
