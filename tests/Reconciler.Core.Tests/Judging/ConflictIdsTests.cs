using System.Text.RegularExpressions;
using Reconciler.Core.Judging;

namespace Reconciler.Core.Tests.Judging;

public sealed partial class ConflictIdsTests
{
    [GeneratedRegex("^[a-z-]+-[0-9a-f]{16}$")]
    private static partial Regex UrlSafe();

    [Fact]
    public void Given_the_same_operation_kind_facet_and_sources_when_ids_are_derived_then_they_are_stable_and_url_safe()
    {
        var id = ConflictIds.For("order-1001", ConflictKinds.Disagreement, "journey", ["crm", "erp"]);

        Assert.Equal(PinnedId, id);
        Assert.Equal(id, ConflictIds.ForPair("order-1001", ConflictKinds.Disagreement, "journey", "crm", "erp"));
        Assert.Matches(UrlSafe(), id);
        Assert.True(id.Length <= 200);
    }

    [Fact]
    public void Given_different_sources_or_operations_when_ids_are_derived_then_they_differ()
    {
        var ids = new[]
        {
            ConflictIds.For("order-1001", ConflictKinds.Disagreement, "journey", ["crm", "erp"]),
            ConflictIds.For("order-1002", ConflictKinds.Disagreement, "journey", ["crm", "erp"]),
            ConflictIds.For("order-1001", ConflictKinds.Disagreement, "journey", ["crm", "email"]),
            ConflictIds.For("order-1001", ConflictKinds.Disagreement, "journey", ["crm", "erp"], "expectation:1"),
            ConflictIds.For("order-1001", ConflictKinds.Unowned, "journey", ["crm", "erp"]),
        };

        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    // Conflict ids are stored and linked to: they must never change between versions of the engine.
    private const string PinnedId = "disagreement-c883afd9a4b8b6c5";
}
