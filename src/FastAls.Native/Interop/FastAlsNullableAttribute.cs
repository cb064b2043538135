namespace FastAls.Interop;

/// <summary>The pointer or string parameter of an export may be NULL (it is passed as null).</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
internal sealed class FastAlsNullableAttribute : Attribute
{
}
