using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FastAls.Internals;
using FastAls.Internals.IO;

namespace FastAls.IO;

/// <summary>How much of a CSR cache file is checked when it is opened.</summary>
/// <remarks>
/// Every level runs the structural pass, because the kernels index memory with what the file says: header
/// and section bounds against the file size, row offsets of both halves (from 0, non-decreasing, ending at
/// nnz), column indices (in range, strictly increasing per row), finite values, and that the item-user half is
/// exactly the transpose of the user-item half. It is O(nnz) and reads each page once, far less than one
/// training iteration. A checksum-consistent file written by a buggy or hostile program is therefore still
/// rejected (an <see cref="InvalidDataException"/> naming the file and the section). The levels differ only in
/// whether the XXH64 checksums are verified on top.
/// </remarks>
public enum CsrCacheValidation
{
    /// <summary>
    /// The structural pass and the XXH64 checksum of every section (catches also a flipped bit inside a valid
    /// value; about 0.1 s per GB on top of the disk read). The default.
    /// </summary>
    Checksum = 0,

    /// <summary>
    /// The structural pass only, without the checksums: nothing that could make the kernels misbehave or
    /// train on inconsistent halves gets through, but a flipped bit inside a valid value does.
    /// </summary>
    Structure = 1,

    /// <summary>Both the checksum and the structure; since the structural pass always runs, the same as <see cref="Checksum"/>.</summary>
    Full = 2,
}
