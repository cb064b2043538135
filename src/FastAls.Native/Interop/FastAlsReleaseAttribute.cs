namespace FastAls.Interop;

/// <summary>The handle parameter is removed from the handle table before the call (a <c>_free</c> export).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
internal sealed class FastAlsReleaseAttribute : Attribute
{
}
