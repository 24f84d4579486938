namespace Reconciler.Store;

/// <summary>
/// The version a writer believed a stream had when it loaded it: <see cref="NoStream"/> (it did not exist yet) or
/// <see cref="Exactly"/> (the number of events already in it).
/// </summary>
public readonly record struct ExpectedVersion(long Value)
{
    public static readonly ExpectedVersion NoStream = new(-1);

    public static ExpectedVersion Exactly(long version) =>
        version >= 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), version, "A stream version is 0 or more.");

    public override string ToString() => Value switch
    {
        -1 => "no stream",
        var v => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>The stream was not at the expected version; nothing was appended.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, long? actual, Exception? inner = null)
    : Exception($"Wrong expected version for stream '{streamId}': expected {expected}, actual {(actual is { } a ? a.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no stream")}.", inner)
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;

    /// <summary>The stream's version when the append was refused; null when the stream does not exist.</summary>
    public long? ActualVersion { get; } = actual;
}
