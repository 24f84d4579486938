using System.Collections.Immutable;

namespace Reconciler.Core.Policies;

/// <summary>How an attribute's values are compared: <c>exact</c> text, <c>decimal</c> numbers or <c>time</c> instants.</summary>
public enum AttributeType
{
    Exact,
    Decimal,
    Time,
}

/// <summary>
/// An attribute a facet declares: read from a signal's <c>attributes</c> by <c>Name</c> (a dotted path into
/// nested objects) and compared by <c>Type</c> within <c>Tolerance</c> (none: values must be equal).
/// </summary>
public sealed record DeclaredAttribute(string Name, AttributeType Type, AttributeTolerance? Tolerance);

/// <summary>
/// How far two values may be apart and still agree. <c>Text</c> is the policy's spelling (<c>0.01</c>, <c>0.5%</c>,
/// <c>PT2S</c>); an absolute or relative <c>Amount</c> for decimals (relative in percent of the larger magnitude),
/// a <c>Duration</c> for times.
/// </summary>
public sealed record AttributeTolerance(string Text, decimal Amount, bool Relative, TimeSpan Duration);

/// <summary>
/// A cross-facet rule: the owners' latest claims on every facet listed must agree on <c>Attribute</c> within
/// <c>Tolerance</c> (left out: the tolerance the first facet declares for it).
/// </summary>
public sealed record AttributeMatch(string Attribute, ImmutableList<string> Facets, AttributeTolerance? Tolerance);
