using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Reconciler.IntegrationTests.Folders;

/// <summary>
/// The executable's folders keep the direction docs/architecture.md draws: no two folders use each other; HTTP
/// plumbing (Http), telemetry and response shapes use no other folder; workers and services use neither endpoints, nor
/// the console, nor the composition; only the composition (Hosting) uses the endpoints (Api) and the console
/// (AuditConsole), which reach the database only through the store's queries.
/// </summary>
public sealed class FolderDirectionTests
{
    private static readonly Architecture Executable = new ArchLoader().LoadAssemblies(typeof(Reconciler.Hosting.ReconcilerServices).Assembly).Build();

    private static readonly string[] Plumbing = ["Http", "Plumbing", "Telemetry", "Responses"];
    private static readonly string[] Workers = ["Cluster", "Deadlines", "Rejudging", "Storms", "Webhooks"];
    private static readonly string[] Services = ["Auth", "Conflicts", "Ingest"];
    private static readonly string[] Leaves = ["Api", "AuditConsole"];
    private static readonly string[] Top = ["Cli", "Hosting"];

    [Fact]
    public void Given_the_executable_when_its_folders_are_read_then_no_two_of_them_use_each_other()
    {
        var edges = Executable.Types
            .SelectMany(t => t.Dependencies.Select(d => (From: FolderOf(t.Namespace?.FullName), To: FolderOf(d.Target?.Namespace?.FullName))))
            .Where(e => e.From is not null && e.To is not null && e.From != e.To)
            .Select(e => (From: e.From!, To: e.To!)).Distinct().ToList();
        var uses = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).ToList());
        var cycles = uses.Keys.Select(start => CycleFrom(start, uses)).OfType<string>().ToList();
        Assert.True(cycles.Count == 0, "Folders that use each other: " + string.Join("; ", cycles));
    }

    // The executable's top folder of a namespace (Reconciler.Api.OpenApi → Api), or null outside it.
    private static string? FolderOf(string? ns)
    {
        var parts = (ns ?? "").Split('.');
        return parts.Length >= 2 && parts[0] == "Reconciler" && parts[1] is not ("Core" or "Store") ? parts[1] : null;
    }

    private static string? CycleFrom(string start, Dictionary<string, List<string>> uses)
    {
        var path = new Stack<string>();
        bool Visit(string folder)
        {
            if (path.Contains(folder))
            {
                return folder == start;
            }
            path.Push(folder);
            if (uses.GetValueOrDefault(folder, []).Any(Visit))
            {
                return true;
            }
            path.Pop();
            return false;
        }
        return Visit(start) ? string.Join(" → ", path.Reverse().Append(start)) : null;
    }

    [Fact]
    public void Given_the_plumbing_folders_when_their_dependencies_are_read_then_they_use_no_other_folder_of_the_executable()
    {
        foreach (var folder in Plumbing)
        {
            var others = Namespaces([.. Plumbing.Except([folder]), .. Workers, .. Services, .. Leaves, .. Top]);
            Types().That().ResideInNamespaceMatching(Pattern(folder)).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(others)
                .Because($"{folder} is plumbing that every other folder may use").Check(Executable);
        }
    }

    [Fact]
    public void Given_workers_and_services_when_their_dependencies_are_read_then_they_use_no_endpoint_console_or_composition() =>
        Types().That().ResideInNamespaceMatching(Namespaces([.. Workers, .. Services])).Should().NotDependOnAnyTypesThat()
            .ResideInNamespaceMatching(Namespaces([.. Leaves, .. Top]))
            .Because("endpoints and the console are leaves; workers and services sit below them").Check(Executable);

    [Fact]
    public void Given_the_endpoints_and_the_console_when_read_then_only_the_composition_uses_them_and_they_do_not_use_each_other()
    {
        foreach (var leaf in Leaves)
        {
            Types().That().ResideInNamespaceMatching(Namespaces([.. Plumbing, .. Workers, .. Services, .. Leaves.Except([leaf]), "Cli"]))
                .Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(Pattern(leaf))
                .Because($"{leaf} is a leaf: only Hosting maps it").Check(Executable);
        }
    }

    [Fact]
    public void Given_the_endpoints_and_the_console_when_read_then_they_reach_the_database_only_through_the_store() =>
        Types().That().ResideInNamespaceMatching(Namespaces(Leaves)).Should().NotDependOnAnyTypesThat().ResideInNamespaceMatching(@"^Npgsql(\..*)?$")
            .Because("queries live in Reconciler.Store, grouped by what they serve").Check(Executable);

    [Fact]
    public void Given_the_executable_when_read_then_it_runs_no_sql_of_its_own() =>
        Types().That().ResideInAssembly(typeof(Reconciler.Hosting.ReconcilerServices).Assembly).Should().NotDependOnAnyTypesThat()
            .HaveFullNameMatching(@"^Npgsql\.(NpgsqlCommand|NpgsqlBatch|NpgsqlBatchCommand|NpgsqlParameter(`1)?|NpgsqlDataReader|NpgsqlBinaryImporter|NpgsqlBinaryExporter)$")
            .Because("every query and write of a product table lives in Reconciler.Store; the executable opens no command of its own").Check(Executable);

    private static string Pattern(string folder) => $@"^Reconciler\.{folder}(\..*)?$";

    private static string Namespaces(IEnumerable<string> folders) => $@"^Reconciler\.({string.Join('|', folders)})(\..*)?$";
}
