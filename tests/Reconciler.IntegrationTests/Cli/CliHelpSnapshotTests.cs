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
    public Task Given_the_approved_help_when_every_command_prints_its_help_then_they_are_the_same() =>
        ApprovedFile.VerifyAsync(Folder, "cli-help", "txt", HelpOfEveryCommand(), "The CLI's help");

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
}
