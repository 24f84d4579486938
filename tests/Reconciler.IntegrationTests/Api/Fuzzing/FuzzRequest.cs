using System.Text;

namespace Reconciler.IntegrationTests.Api.Fuzzing;

/// <summary>
/// One request of the fuzz run, as bytes. <see cref="MustBeRefused"/> is set by a mutation that no valid
/// request can survive (invalid UTF-8, an unpaired surrogate or NUL in a JSON string): it must get a 4xx.
/// </summary>
public sealed record FuzzRequest(string Method, byte[] Target, byte[]? Body, string Key, byte[] Headers, string Mutations, bool MustBeRefused)
{
    public bool Writes => Method is "POST" or "PUT" or "DELETE" or "PATCH";

    /// <summary>The request as printable text, to reproduce a failure.</summary>
    public override string ToString()
    {
        static string Show(byte[]? bytes) => bytes is null ? "" : string.Concat(bytes.Take(600).Select(b => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}"));
        return $"{Method} {Show(Target)} [{Mutations}] headers: {Show(Headers)} body: {Show(Body)}";
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
