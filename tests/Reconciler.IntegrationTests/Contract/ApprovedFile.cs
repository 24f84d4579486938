namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// A snapshot kept in the repository (docs/decisions/0002-approved-files-instead-of-verify.md): the text a test
/// received is compared with <c>&lt;name&gt;.approved.&lt;ext&gt;</c>; on a difference the test fails with a unified diff and
/// writes <c>&lt;name&gt;.received.&lt;ext&gt;</c> beside it, which accepting the change moves over the approved file.
/// </summary>
public static class ApprovedFile
{
    public static async Task VerifyAsync(string folder, string name, string extension, string received, string what)
    {
        var (approvedName, receivedName) = ($"{name}.approved.{extension}", $"{name}.received.{extension}");
        var (approvedPath, receivedPath) = (Path.Combine(folder, approvedName), Path.Combine(folder, receivedName));
        var actual = Normalize(received);
        var approved = File.Exists(approvedPath) ? Normalize(await File.ReadAllTextAsync(approvedPath)) : "";
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }
        await File.WriteAllTextAsync(receivedPath, actual);
        Assert.Fail($"{what} differs from the approved one. If the change is meant, accept it:\n    mv {receivedPath} {approvedPath}\n\n"
            + UnifiedDiff.Of(approved, actual, approvedName, receivedName));
    }

    // Line endings and trailing blanks are not part of a snapshot.
    private static string Normalize(string text) =>
        string.Join('\n', text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n') + "\n";
}
