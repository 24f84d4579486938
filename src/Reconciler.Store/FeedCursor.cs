using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;

namespace Reconciler.Store;

/// <summary>
/// A place in the feed: the (transaction id, position) of the last event read. Events are read in
/// that order, strictly after the cursor. <see cref="Encode"/> gives the opaque form for clients.
/// </summary>
public readonly record struct FeedCursor(ulong TransactionId, long Position) : IComparable<FeedCursor>
{
    public static readonly FeedCursor Start = new(0, 0);

    public int CompareTo(FeedCursor other) =>
        TransactionId != other.TransactionId ? TransactionId.CompareTo(other.TransactionId) : Position.CompareTo(other.Position);

    public static bool operator <(FeedCursor a, FeedCursor b) => a.CompareTo(b) < 0;
    public static bool operator >(FeedCursor a, FeedCursor b) => a.CompareTo(b) > 0;
    public static bool operator <=(FeedCursor a, FeedCursor b) => a.CompareTo(b) <= 0;
    public static bool operator >=(FeedCursor a, FeedCursor b) => a.CompareTo(b) >= 0;

    /// <summary>22 URL-safe characters (base64url of the two big-endian numbers).</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, TransactionId);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], Position);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out FeedCursor cursor)
    {
        cursor = default;
        if (text is null || text.Length != 22)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        // The OperationStatus form: TryDecodeFromChars throws on characters outside the alphabet.
        if (Base64Url.DecodeFromChars(text, bytes, out _, out var written) != OperationStatus.Done || written != 16)
        {
            return false;
        }
        var position = BinaryPrimitives.ReadInt64BigEndian(bytes[8..16]);
        if (position < 0)
        {
            return false;
        }
        cursor = new FeedCursor(BinaryPrimitives.ReadUInt64BigEndian(bytes), position);
        return true;
    }

    public override string ToString() => Encode();
}
