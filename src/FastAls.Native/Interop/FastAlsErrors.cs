using System.Globalization;
using System.Reflection;
using System.Text;

namespace FastAls.Interop;

/// <summary>The thread-local last error and the exception-to-status mapping every generated export uses.</summary>
internal static unsafe class FastAlsErrors
{
    [ThreadStatic]
    private static byte[]? t_lastError;

    /// <summary>The calling thread's last error message ("" when none).</summary>
    public static string LastError => t_lastError is null ? "" : Encoding.UTF8.GetString(t_lastError);

    public static int Fail(FastAlsStatus status, string message)
    {
        t_lastError = Encoding.UTF8.GetBytes(message);
        return (int)status;
    }

    public static int FromException(Exception exception)
    {
        try
        {
            Exception e = exception;
            while (e is AggregateException { InnerExceptions.Count: 1 } agg)
            {
                e = agg.InnerExceptions[0];
            }

            while (e is TargetInvocationException { InnerException: { } inner })
            {
                e = inner;
            }

            FastAlsStatus status = e switch
            {
                FastAlsHandleException => FastAlsStatus.InvalidHandle,
                ObjectDisposedException => FastAlsStatus.InvalidHandle,
                OperationCanceledException => FastAlsStatus.Cancelled,
                InvalidDataException or FormatException => FastAlsStatus.InvalidData,
                IOException or UnauthorizedAccessException => FastAlsStatus.Io,
                ArgumentException => FastAlsStatus.InvalidArgument,
                OutOfMemoryException or InsufficientExecutionStackException => FastAlsStatus.OutOfMemory,
                NotSupportedException => FastAlsStatus.NotSupported,
                InvalidOperationException => FastAlsStatus.InvalidState,
                ArithmeticException and not (OverflowException or DivideByZeroException) => FastAlsStatus.Numerical,
                _ => FastAlsStatus.Internal,
            };
            string message = status == FastAlsStatus.Internal ? e.GetType().Name + ": " + e.Message : e.Message;
            return Fail(status, message);
        }
        catch
        {
            return (int)FastAlsStatus.Internal;
        }
    }

    /// <summary>Copies the last error (at most <paramref name="cap"/> - 1 bytes and a NUL); returns its full length in bytes.</summary>
    public static nuint Copy(byte* buffer, nuint cap)
    {
        byte[]? message = t_lastError;
        nuint length = message is null ? 0 : (nuint)message.Length;
        if (buffer != null && cap > 0)
        {
            nuint n = length < cap - 1 ? length : cap - 1;
            if (n > 0)
            {
                new ReadOnlySpan<byte>(message, 0, (int)n).CopyTo(new Span<byte>(buffer, (int)n));
            }

            buffer[n] = 0;
        }

        return length;
    }

    /// <summary>Writes <paramref name="value"/> as NUL-terminated UTF-8 for a string-returning export.</summary>
    public static int WriteUtf8(string value, byte* buffer, long cap, long* length, string name)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        *length = n;
        if (cap < (long)n + 1)
        {
            return Fail(FastAlsStatus.BufferTooSmall, name + " needs " + ((long)n + 1).ToString(CultureInfo.InvariantCulture)
                + " bytes including the NUL; " + name + "_cap is " + cap.ToString(CultureInfo.InvariantCulture) + ".");
        }

        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, n));
        buffer[n] = 0;
        return (int)FastAlsStatus.Ok;
    }
}
