using System.Text.Json;
using Reconciler.Core.Inbound;

namespace Reconciler.Core.Tests.Inbound;

/// <summary>The mapping reader: every problem with its JSON path and a hint, the secret kept apart from the mapping.</summary>
public sealed class InboundMappingReaderTests
{
    // The core knows no expression language: this stand-in refuses what ends in an operator, as a parser would.
    private static string? Check(string expression) => expression.TrimEnd().EndsWith("==", StringComparison.Ordinal) ? "syntax error at the end" : null;

    private static InboundMappingReadResult Read(string json, bool hasStoredSecret = false)
    {
        using var document = JsonDocument.Parse(json);
        return InboundMappingReader.Read(document.RootElement, hasStoredSecret, Check);
    }

    private static Dictionary<string, string> Problems(InboundMappingReadResult read) =>
        read.Problems.ToDictionary(p => p.Path, p => p.Message);

    private const string Rule = """{ "operationId": "o", "operationType": "'order'", "signalId": "id", "facet": "'payment'", "state": "'captured'" }""";

    [Fact]
    public void Given_a_stripe_mapping_when_read_then_the_rules_are_kept_in_order_and_the_secret_apart()
    {
        var read = Read($$"""{ "verify": { "scheme": "stripe" }, "secret": "whsec_abc", "rules": [ {{Rule}}, { "when": "type == 'x'", "each": "items", "operationId": "item.o", "operationType": "'order'", "signalId": "item.id", "facet": "'payment'", "state": "'refunded'", "attributes": { "b": "x", "a": "y" } } ] }""");

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal("whsec_abc", read.Secret);
        var mapping = read.Mapping!;
        Assert.Equal((InboundWords.Json, InboundWords.Stripe, InboundWords.DefaultToleranceSeconds), (mapping.Format, mapping.Verify!.Scheme, mapping.Verify.ToleranceSeconds));
        Assert.Equal(["'captured'", "'refunded'"], mapping.Rules.Select(r => r.Expression("state")));
        Assert.Equal(("type == 'x'", "items"), (mapping.Rules[1].When, mapping.Rules[1].Each));
        Assert.Equal(["b", "a"], mapping.Rules[1].Attributes.Select(a => a.Name));
    }

    [Fact]
    public void Given_typos_and_a_bad_expression_when_read_then_each_is_named_at_its_path_with_a_hint()
    {
        var read = Read("""{ "verify": { "scheme": "standard-webhook", "tolerance": 5 }, "secret": "whsec_x", "rule": [], "rules": [ { "when": "type ==", "operationId": "o", "operationType": "'order'", "signalid": "id", "facet": "'payment'", "state": 7 } ] }""");

        var problems = Problems(read);
        Assert.False(read.IsValid);
        Assert.Contains("did you mean 'standard-webhooks'", problems["verify.scheme"], StringComparison.Ordinal);
        Assert.Contains("unknown property (known: scheme, header, prefix, encoding, toleranceSeconds)", problems["verify.tolerance"], StringComparison.Ordinal);
        Assert.Contains("did you mean 'rules'", problems["rule"], StringComparison.Ordinal);
        Assert.Contains("syntax error at the end", problems["rules[0].when"], StringComparison.Ordinal);
        Assert.Contains("did you mean 'signalId'", problems["rules[0].signalid"], StringComparison.Ordinal);
        Assert.Contains("is required", problems["rules[0].signalId"], StringComparison.Ordinal);
        Assert.Contains("not a number", problems["rules[0].state"], StringComparison.Ordinal);
    }

    [Fact]
    public void Given_each_scheme_when_its_secret_and_headers_are_wrong_then_the_problem_says_what_the_scheme_needs()
    {
        var key = Problems(Read($$"""{ "verify": { "scheme": "key" }, "secret": "s", "rules": [ {{Rule}} ] }"""));
        var hmac = Problems(Read($$"""{ "verify": { "scheme": "hmac-sha256", "encoding": "base32" }, "secret": "s", "rules": [ {{Rule}} ] }"""));
        var standard = Problems(Read($$"""{ "verify": { "scheme": "standard-webhooks" }, "secret": "whsec_c2hvcnQ=", "rules": [ {{Rule}} ] }"""));
        var stripe = Problems(Read($$"""{ "verify": { "scheme": "stripe", "header": "X-Sig" }, "secret": "whsec_x", "rules": [ {{Rule}} ] }"""));
        var unsigned = Problems(Read($$"""{ "verify": { "scheme": "stripe" }, "rules": [ {{Rule}} ] }"""));

        Assert.Contains("leave the secret out", key["secret"], StringComparison.Ordinal);
        Assert.Contains("is required", hmac["verify.header"], StringComparison.Ordinal);
        Assert.Contains("'base32' is not known", hmac["verify.encoding"], StringComparison.Ordinal);
        Assert.Contains("24 to 64 bytes", standard["secret"], StringComparison.Ordinal);
        Assert.Contains("belongs to the scheme 'hmac-sha256'", stripe["verify.header"], StringComparison.Ordinal);
        Assert.Contains("is required by the scheme 'stripe'", unsigned["secret"], StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_stored_secret_when_a_new_version_leaves_it_out_then_the_mapping_reads_and_keeps_it()
    {
        var read = Read($$"""{ "verify": { "scheme": "stripe" }, "rules": [ {{Rule}} ], "version": 3, "hasSecret": true, "createdAt": "2026-12-01T00:00:00Z" }""", hasStoredSecret: true);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Null(read.Secret);
    }

    [Fact]
    public void Given_a_csv_section_when_read_then_the_delimiter_header_and_columns_are_checked()
    {
        var good = Read($$"""{ "csv": { "delimiter": "\\t", "header": false, "columns": ["a", "b"], "rules": [ {{Rule}} ] } }""");
        var bad = Problems(Read($$"""{ "csv": { "delimiter": "\"", "header": false, "rules": [ {{Rule}} ] } }"""));
        var twice = Problems(Read($$"""{ "csv": { "header": false, "columns": ["a", "a"], "rules": [ {{Rule}} ] } }"""));
        var nothing = Problems(Read("""{ }"""));

        Assert.True(good.IsValid, string.Join("; ", good.Problems));
        Assert.Equal(('\t', false), (good.Mapping!.Csv!.Delimiter, good.Mapping.Csv.Header));
        Assert.Equal(["a", "b"], good.Mapping.Csv.Columns);
        Assert.Null(good.Mapping.Verify);
        Assert.Contains("one character", bad["csv.delimiter"], StringComparison.Ordinal);
        Assert.Contains("is required when 'header' is false", bad["csv.columns"], StringComparison.Ordinal);
        Assert.Contains("'a' is named twice", twice["csv.columns[1]"], StringComparison.Ordinal);
        Assert.Contains("is required", nothing["rules"], StringComparison.Ordinal);
    }
}
