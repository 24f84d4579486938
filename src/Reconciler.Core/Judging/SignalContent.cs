using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Core.Judging;

/// <summary>The content identity of a signal: what a source said, not when the engine heard it.</summary>
public static class SignalContent
{
    private const int FieldCount = 11;

    /// <summary>Lower-case SHA-256 hex over the content fields, each length-prefixed (null ≠ empty) so that no two contents collide by concatenation.</summary>
    public static string Hash(Signal s)
    {
        ArgumentNullException.ThrowIfNull(s);
        Span<string?> fields =
        [
            s.OperationId, s.OperationType, s.SignalId, s.Facet, s.State, null, null, s.EffectKey, s.AttributesJson, s.CorrelationId, s.CausationId,
        ];
        var size = FieldCount * 4 + 2 * 9;
        foreach (var field in fields)
        {
            size += field is null ? 0 : Encoding.UTF8.GetMaxByteCount(field.Length);
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var buffer = rented.AsSpan();
            var at = 0;
            for (var i = 0; i < FieldCount; i++)
            {
                if (i == 5)
                {
                    at = WriteNumber(buffer, at, s.ObservedAt?.UtcTicks);
                }
                else if (i == 6)
                {
                    at = WriteNumber(buffer, at, s.SourceSequence);
                }
                else
                {
                    at = WriteText(buffer, at, fields[i]);
                }
            }

            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer[..at], digest);
            return Convert.ToHexStringLower(digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int WriteText(Span<byte> buffer, int at, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], -1);
            return at + 4;
        }

        var written = Encoding.UTF8.GetBytes(value, buffer[(at + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], written);
        return at + 4 + written;
    }

    private static int WriteNumber(Span<byte> buffer, int at, long? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], -1);
            return at + 4;
        }

        BinaryPrimitives.WriteInt32LittleEndian(buffer[at..], 8);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[(at + 4)..], value.Value);
        return at + 12;
    }
}
