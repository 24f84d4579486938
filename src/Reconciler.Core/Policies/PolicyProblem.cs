using System.Collections.Immutable;

namespace Reconciler.Core.Policies;

/// <summary>One thing wrong with a policy document: where (a JSON path such as
/// <c>facets.payment.transitions.authorized[1]</c>, or <c>$</c> for the whole document) and what to fix.</summary>
public sealed record PolicyProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A policy read from JSON: the policy when the document is valid, else null and every problem found.</summary>
public sealed record PolicyReadResult(TruthPolicy? Policy, ImmutableList<PolicyProblem> Problems)
{
    public bool IsValid => Policy is not null && Problems.IsEmpty;
}
