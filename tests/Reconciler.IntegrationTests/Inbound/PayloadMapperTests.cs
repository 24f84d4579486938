using System.Text.Json;
using Newtonsoft.Json.Linq;
using Reconciler.Core.Judging;
using Reconciler.Inbound;

namespace Reconciler.IntegrationTests.Inbound;

/// <summary>The mapper on its own (no server): rules in order, <c>each</c>, what each kind of value becomes, and failures naming their field.</summary>
public sealed class PayloadMapperTests
{
    private static PayloadMapper Mapper(string rules)
    {
        using var document = JsonDocument.Parse($$"""{ "verify": { "scheme": "key" }, "rules": {{rules}} }""");
        var read = InboundMappings.Read(document.RootElement, hasStoredSecret: false);
        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        return new PayloadMapper(read.Mapping!.Rules);
    }

    private static readonly SignalOrigin Origin = new(4, 17, null, null);

    [Fact]
    public void Given_two_rules_when_the_second_matches_then_its_each_makes_one_signal_per_item_with_origin_and_times_read()
    {
        var mapper = Mapper("""
            [ { "when": "kind == 'a'", "operationId": "'x'", "operationType": "'order'", "signalId": "'x'", "facet": "'f'", "state": "'s'" },
              { "when": "kind == 'b'", "each": "items", "operationId": "item.order", "operationType": "'order'",
                "signalId": "join('-', [payload.id, to_string(index)])", "facet": "'payment'", "state": "item.state",
                "observedAt": "item.at", "sourceSequence": "item.seq", "attributes": { "n": "item.n", "missing": "item.nothing" } } ]
            """);

        // Read as the server reads payloads: numbers as decimals, so that 129.90 keeps its digits.
        var outcome = mapper.Map(MappingExpressions.ParseJson("""
            { "kind": "b", "id": "p1", "items": [
              { "order": 1001, "state": "captured", "at": 1765000000123, "seq": "7", "n": 129.90 },
              { "order": "o-2", "state": "authorized", "at": "2026-12-01", "seq": 8, "n": { "deep": [1] } } ] }
            """).Token!, Origin);

        var mapped = Assert.IsType<MappedSignals>(outcome);
        Assert.Equal(1, mapped.Rule);
        Assert.Equal(["1001", "o-2"], mapped.Signals.Select(s => s.OperationId));
        Assert.Equal(["p1-0", "p1-1"], mapped.Signals.Select(s => s.SignalId));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_123), mapped.Signals[0].ObservedAt);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), mapped.Signals[1].ObservedAt);
        Assert.Equal([7L, 8L], mapped.Signals.Select(s => s.SourceSequence!.Value));
        Assert.Equal(["""{"n":129.90}""", """{"n":{"deep":[1]}}"""], mapped.Signals.Select(s => s.AttributesJson));
        Assert.All(mapped.Signals, s => Assert.Equal(Origin, s.Origin));
    }

    [Theory]
    [InlineData("""{ "kind": "c" }""", null, "no rule matched")]
    [InlineData("""{ "kind": "b", "id": "p", "state": true, "order": "o" }""", "state", "yields a boolean")]
    [InlineData("""{ "kind": "b", "id": "p", "state": "s", "order": "o", "at": "last tuesday" }""", "observedAt", "not a time")]
    [InlineData("""{ "kind": "b", "id": "p", "state": "s", "order": "o", "seq": -1 }""", "sourceSequence", "whole number from 0")]
    [InlineData("""{ "kind": "b", "id": "p", "state": "s" }""", "operationId", "yields nothing")]
    [InlineData("""{ "kind": "b", "id": "p", "state": "s", "order": "has space" }""", "operationId", "may only use the characters")]
    public void Given_a_payload_that_does_not_fit_when_mapped_then_the_reason_names_the_field(string payload, string? field, string reason)
    {
        var mapper = Mapper("""
            [ { "when": "kind == 'b'", "operationId": "order", "operationType": "'order'", "signalId": "id", "facet": "'f'", "state": "state",
                "observedAt": "at", "sourceSequence": "seq" } ]
            """);

        var outcome = Assert.IsType<NotMapped>(mapper.Map(JToken.Parse(payload), Origin));

        Assert.Equal(field, outcome.Field);
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
    }
}
