using System.Globalization;

namespace Reconciler.Store.Replicas;

/// <summary>
/// A position in the primary's write-ahead log at or after a write's commit (PostgreSQL's LSN, written <c>X/Y</c> in hex):
/// a replica that has replayed up to it sees that write. Handed to clients after each write and sent back with reads
/// (<c>Reconciler-Consistency</c>) for read-your-writes.
/// </summary>
public readonly record struct ConsistencyToken(ulong Lsn) : IComparable<ConsistencyToken>
{
    public const string Header = "Reconciler-Consistency";

    public int CompareTo(ConsistencyToken other) => Lsn.CompareTo(other.Lsn);

    public static bool operator <(ConsistencyToken a, ConsistencyToken b) => a.Lsn < b.Lsn;
    public static bool operator >(ConsistencyToken a, ConsistencyToken b) => a.Lsn > b.Lsn;
    public static bool operator <=(ConsistencyToken a, ConsistencyToken b) => a.Lsn <= b.Lsn;
    public static bool operator >=(ConsistencyToken a, ConsistencyToken b) => a.Lsn >= b.Lsn;

    /// <summary>PostgreSQL's text form: the high and low 32 bits in hex, <c>16/B374D848</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Lsn >> 32:X}/{Lsn & 0xFFFFFFFF:X}");

    public static bool TryParse(string? text, out ConsistencyToken token)
    {
        token = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0 || slash > 8 || text.Length - slash - 1 is < 1 or > 8
            || !uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }
        token = new ConsistencyToken(((ulong)high << 32) | low);
        return true;
    }
}
