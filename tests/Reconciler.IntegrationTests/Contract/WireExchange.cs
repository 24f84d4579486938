namespace Reconciler.IntegrationTests.Contract;

/// <summary>One thing Prism found wrong: where (request… or response…), how bad, and what.</summary>
public sealed record Violation(string Location, string Severity, string Message)
{
    public bool OfRequest => Location.StartsWith("request", StringComparison.Ordinal);

    public override string ToString() => $"{Severity} at {Location}: {Message}";
}

/// <summary>
/// One request through the proxy, its status and Prism's violations. <see cref="Operation"/> and <see cref="Expected"/>
/// are filled by the test: which operation it exercised and what both sides should have said of it.
/// </summary>
public sealed record WireExchange(string Request, int Status, IReadOnlyList<Violation> Violations)
{
    public string Operation { get; set; } = "";

    public Expectation Expected { get; set; }

    public int ExpectedStatus { get; set; }

    public IEnumerable<Violation> OfRequest => Violations.Where(v => v.OfRequest);

    public IEnumerable<Violation> OfResponse => Violations.Where(v => !v.OfRequest);

    /// <summary>What is wrong with this exchange: a response the document does not describe, or a verdict on the request that differs from the server's.</summary>
    public IEnumerable<string> Faults()
    {
        foreach (var violation in OfResponse)
        {
            yield return $"the response breaks the document: {violation}";
        }
        if (Status != ExpectedStatus)
        {
            yield return $"the server answered {Status}, not {ExpectedStatus}";
        }
        switch (Expected)
        {
            case Expectation.Valid or Expectation.Refused when OfRequest.Any():
                yield return $"a request the document allows was flagged: {string.Join("; ", OfRequest)}";
                break;
            case Expectation.Invalid when !OfRequest.Any():
                yield return "a request the server refused as malformed was not flagged by the document";
                break;
        }
    }
}

public enum Expectation
{
    /// <summary>Valid by the document, accepted by the server.</summary>
    Valid,

    /// <summary>Valid by the document, refused by the server for what it means (an unknown id, a closed conflict).</summary>
    Refused,

    /// <summary>Invalid by the document (a wrong type, a missing field, no key), and refused by the server.</summary>
    Invalid,
}
