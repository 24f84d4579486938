using System.CommandLine;
using System.Text;
using Reconciler.Cli;
using Reconciler.IntegrationTests.Contract;

namespace Reconciler.IntegrationTests.Cli;

/// <summary>
/// Every command's <c>--help</c>, compared with the approved copy in the repository (cli-help.approved.txt beside this
/// file), so that a change to what users type shows in review. On a difference the test fails with a unified diff and
/// writes cli-help.received.txt: to accept it, move that over the approved file (docs/decisions/0002-approved-files-instead-of-verify.md).
/// </summary>
public sealed class CliHelpSnapshotTests
{
    private static string Folder => Path.Combine(ContractTools.RepositoryRoot, "tests", "Reconciler.IntegrationTests", "Cli");

    [Fact]
    public async Task Given_the_approved_help_when_every_command_prints_its_help_then_they_are_the_same()
    {
        var approvedPath = Path.Combine(Folder, "cli-help.approved.txt");
        var receivedPath = Path.Combine(Folder, "cli-help.received.txt");
        var received = Normalize(HelpOfEveryCommand());
        var approved = File.Exists(approvedPath) ? Normalize(await File.ReadAllTextAsync(approvedPath)) : "";
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }
        await File.WriteAllTextAsync(receivedPath, received);
        Assert.Fail(
            $"The CLI's help differs from the approved one. If the change is meant, accept it:\n    mv {receivedPath} {approvedPath}\n\n"
            + UnifiedDiff.Of(approved, received, "cli-help.approved.txt", "cli-help.received.txt"));
    }

    private static string HelpOfEveryCommand()
    {
        var root = CommandLine.Root();
        var text = new StringBuilder();
        foreach (var path in Paths(root, []))
        {
            var output = new StringWriter();
            var exit = root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output });
            Assert.Equal(0, exit);
            // Usage lines start with the process's name: the test host here, reconciler when installed.
            var help = output.ToString().Replace($"  {RootCommand.ExecutableName} ", "  reconciler ", StringComparison.Ordinal);
            text.Append("$ reconciler ").AppendJoin(' ', [.. path, "--help"]).Append('\n').Append(help).Append('\n');
        }
        return text.ToString();
    }

    private static IEnumerable<string[]> Paths(Command command, string[] path)
    {
        yield return path;
        foreach (var sub in command.Subcommands)
        {
            foreach (var deeper in Paths(sub, [.. path, sub.Name]))
            {
                yield return deeper;
            }
        }
    }

    private static string Normalize(string text) =>
        string.Join('\n', text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n') + "\n";
}
