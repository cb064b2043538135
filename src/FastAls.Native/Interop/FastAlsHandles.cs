using System.Globalization;

namespace FastAls.Interop;

/// <summary>
/// Objects handed to C as 64-bit handles: the low 32 bits are the slot + 1, the high 32 bits the slot's
/// generation, so a freed handle (or a copy of it after the slot is reused) is reported, not dereferenced.
/// </summary>
internal static class FastAlsHandles
{
    private static readonly object s_lock = new();
    private static object?[] s_objects = new object?[16];
    private static uint[] s_generations = new uint[16];
    private static int[] s_free = new int[16];
    private static int[] s_inUse = new int[16];
    private static int s_freeCount;
    private static int s_used;
    private static int s_live;

    /// <summary>Number of live handles.</summary>
    public static int Count
    {
        get
        {
            lock (s_lock)
            {
                return s_live;
            }
        }
    }

    public static ulong Add(object value)
    {
        lock (s_lock)
        {
            int slot;
            if (s_freeCount > 0)
            {
                slot = s_free[--s_freeCount];
            }
            else
            {
                if (s_used == s_objects.Length)
                {
                    Array.Resize(ref s_objects, s_used * 2);
                    Array.Resize(ref s_generations, s_used * 2);
                    Array.Resize(ref s_free, s_used * 2);
                    Array.Resize(ref s_inUse, s_used * 2);
                }

                slot = s_used++;
            }

            uint gen = unchecked(s_generations[slot] + 1);
            if (gen == 0)
            {
                gen = 1;
            }

            s_generations[slot] = gen;
            s_objects[slot] = value;
            s_live++;
            return ((ulong)gen << 32) | (uint)(slot + 1);
        }
    }

    public static T Get<T>(ulong handle, string name)
        where T : class
    {
        lock (s_lock)
        {
            return Cast<T>(Lookup(handle, name, out _), handle, name);
        }
    }

    /// <summary>
    /// Looks the handle up and marks it in use until the lease is disposed, so that a concurrent <c>_free</c>
    /// of the same handle is refused instead of releasing memory a running call still reads.
    /// </summary>
    public static Lease<T> Acquire<T>(ulong handle, string name)
        where T : class
    {
        lock (s_lock)
        {
            T value = Cast<T>(Lookup(handle, name, out int slot), handle, name);
            s_inUse[slot]++;
            return new Lease<T>(value, slot);
        }
    }

    internal static void Release(int slot)
    {
        lock (s_lock)
        {
            s_inUse[slot]--;
        }
    }

    /// <summary>Removes the handle and returns its object (for <c>_free</c> exports); refused while another call uses it.</summary>
    public static T Take<T>(ulong handle, string name)
        where T : class
    {
        lock (s_lock)
        {
            T value = Cast<T>(Lookup(handle, name, out int slot), handle, name);
            if (s_inUse[slot] > 0)
            {
                throw new InvalidOperationException(name + ": handle 0x" + handle.ToString("x", CultureInfo.InvariantCulture)
                    + " is in use by a running call (on another thread, or the call whose callback is running); free it after that call returns.");
            }

            s_objects[slot] = null;
            s_free[s_freeCount++] = slot;
            s_live--;
            return value;
        }
    }

    private static object Lookup(ulong handle, string name, out int slot)
    {
        if (handle == 0)
        {
            throw new FastAlsHandleException(name + " is the null handle (0).");
        }

        slot = (int)(uint)handle - 1;
        uint gen = (uint)(handle >> 32);
        if (slot < 0 || slot >= s_used || s_objects[slot] is not { } value || s_generations[slot] != gen)
        {
            throw new FastAlsHandleException(name + ": handle 0x" + handle.ToString("x", CultureInfo.InvariantCulture) + " is unknown or was already freed.");
        }

        return value;
    }

    private static T Cast<T>(object value, ulong handle, string name)
        where T : class
    {
        return value as T ?? throw new FastAlsHandleException(name + ": handle 0x" + handle.ToString("x", CultureInfo.InvariantCulture)
            + " refers to a " + value.GetType().Name + ", not a " + typeof(T).Name + ".");
    }
}
