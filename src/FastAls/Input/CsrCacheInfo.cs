using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FastAls.Internals;
using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>What a CSR cache file says about itself (read from its header).</summary>
/// <param name="FormatVersion">Format version of the file.</param>
/// <param name="Users">Number of users (rows of the user-by-item matrix).</param>
/// <param name="Items">Number of items.</param>
/// <param name="Nnz">Number of interactions.</param>
/// <param name="UserIdKind">Kind of user ids.</param>
/// <param name="ItemIdKind">Kind of item ids.</param>
/// <param name="SourcePath">Full path of the source it was built from (empty when none).</param>
/// <param name="SourceSize">Size of the source in bytes (sum over part files).</param>
/// <param name="SourceModifiedUtc">Last modification of the source (latest over part files).</param>
/// <param name="OptionsFingerprint">The load options it was built with.</param>
public sealed record CsrCacheInfo(
    int FormatVersion,
    int Users,
    int Items,
    long Nnz,
    IdKind UserIdKind,
    IdKind ItemIdKind,
    string SourcePath,
    long SourceSize,
    DateTime SourceModifiedUtc,
    string OptionsFingerprint);
