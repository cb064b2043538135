namespace FastAls.Internals;

/// <summary>
/// The training gate of one <see cref="AlsModel"/>: training is exclusive, reads run concurrently with each other.
/// </summary>
/// <remarks>
/// <para>
/// A mutating call (training) enters as the writer: a second one, from any thread, fails at once with an
/// <see cref="InvalidOperationException"/> (never waits, never races), and the writer waits for reads already
/// in flight to finish before it changes anything. A read that starts while the model is being trained fails
/// at once with an <see cref="InvalidOperationException"/>, so every read sees the state before training or
/// after it, never a mixture. The training thread itself may read (a progress callback sees the consistent state
/// of the half-step just completed).
/// </para>
/// <para>
/// Readers increment a counter and then look for a writer; the writer claims the gate and then waits for the
/// counter to drain. Both steps are interlocked (full fences), so one of the two always sees the other.
/// </para>
/// </remarks>
internal sealed class ModelGate
{
    private int _readers;
    private int _writerThread;
    private string _writing = "";

    /// <summary>Enters a read; dispose the scope to leave. Throws while another thread trains the model.</summary>
    public ReadScope EnterRead()
    {
        int writer = Volatile.Read(ref _writerThread);
        if (writer != 0 && writer == Environment.CurrentManagedThreadId)
        {
            return default;
        }

        Interlocked.Increment(ref _readers);
        if (Volatile.Read(ref _writerThread) != 0)
        {
            Interlocked.Decrement(ref _readers);
            throw new InvalidOperationException($"The model is being changed ({Volatile.Read(ref _writing)}) on another thread; read it before or after, not during.");
        }

        return new ReadScope(this);
    }

    /// <summary>Enters the (single) mutation; dispose the scope to leave. Throws when another one is running.</summary>
    /// <param name="operation">What the mutation is, for the messages of the calls it turns away.</param>
    public WriteScope EnterWrite(string operation)
    {
        int me = Environment.CurrentManagedThreadId;
        int other = Interlocked.CompareExchange(ref _writerThread, me, 0);
        if (other != 0)
        {
            throw new InvalidOperationException(other == me
                ? $"The model is already being changed ({Volatile.Read(ref _writing)}) by this thread; {operation} cannot start inside it."
                : $"The model is already being changed ({Volatile.Read(ref _writing)}) on another thread; {operation} must wait until it has finished.");
        }

        Volatile.Write(ref _writing, operation);
        var spin = default(SpinWait);
        while (Volatile.Read(ref _readers) != 0)
        {
            spin.SpinOnce();
        }

        return new WriteScope(this);
    }

    /// <summary>An entered read (default: a read by the training thread itself, nothing to leave).</summary>
    public readonly struct ReadScope(ModelGate? gate) : IDisposable
    {
        /// <summary>Leaves the read.</summary>
        public void Dispose()
        {
            if (gate is not null)
            {
                Interlocked.Decrement(ref gate._readers);
            }
        }
    }

    /// <summary>The entered mutation.</summary>
    public readonly struct WriteScope(ModelGate gate) : IDisposable
    {
        /// <summary>Leaves the mutation.</summary>
        public void Dispose() => Volatile.Write(ref gate._writerThread, 0);
    }
}
