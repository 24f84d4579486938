using Reconciler.IntegrationTests.Api;
using Xunit.Abstractions;

namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// Clients generated from the live document by third-party generators play the integrator's story of docs/api.md
/// against the live server: a policy with expectations and an unowned facet, keys, one signal and a batch, the truth,
/// the conflicts list with its differences, a resolution. The stories (tests/contract/story) are written against the
/// generated types with no casts; the generated code is made here, in a scratch folder, and never committed.
/// </summary>
public sealed class GeneratedClientTests(ContractServerFixture contract, ITestOutputHelper output) : IClassFixture<ContractServerFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    private string Story => Path.Combine(ContractTools.ContractFolder, "story");

    [Fact]
    public async Task Given_the_live_document_when_openapi_typescript_types_an_openapi_fetch_client_then_the_story_compiles_under_strict_and_plays()
    {
        var folder = Copy(Path.Combine(Story, "typescript"), "typescript");
        var modules = Path.Combine(ContractTools.ContractFolder, "node_modules");
        var generate = ContractTools.NodeTool("openapi-typescript");
        var tsc = ContractTools.NodeTool("tsc");
        // The story resolves openapi-fetch from here at run time, as from an installed package.
        Directory.CreateSymbolicLink(Path.Combine(folder, "node_modules"), modules);

        Succeeded("openapi-typescript", await ContractTools.RunAsync(generate, [contract.DocumentPath, "--output", Path.Combine(folder, "api.ts")], folder, Generous));
        Succeeded("tsc --strict", await ContractTools.RunAsync(tsc, ["-p", Path.Combine(folder, "tsconfig.json")], folder, Generous));
        var story = Succeeded("the story", await ContractTools.RunAsync("node", [Path.Combine(folder, "out", "story.js"), .. StoryArguments("ts")], folder, Generous));

        Assert.Contains("typescript story passed", story.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_the_live_document_when_nswag_and_kiota_generate_csharp_clients_then_the_story_builds_and_plays_with_each()
    {
        var folder = Copy(Path.Combine(Story, "csharp"), "csharp");
        Succeeded("nswag", await ContractTools.DotnetToolAsync("nswag",
            ["openapi2csclient", $"/input:{contract.DocumentPath}", $"/output:{Path.Combine(folder, "NSwagClient.cs")}", "/namespace:Story.NSwag", "/className:ReconcilerClient",
             "/jsonLibrary:SystemTextJson", "/generateClientInterfaces:false", "/operationGenerationMode:SingleClientFromOperationId",
             "/generateOptionalPropertiesAsNullable:true", "/useBaseUrl:false"], Generous));
        Succeeded("kiota", await ContractTools.DotnetToolAsync("kiota",
            ["generate", "--language", "CSharp", "--openapi", contract.DocumentPath, "--output", Path.Combine(folder, "Kiota"), "--namespace-name", "Story.Kiota",
             "--class-name", "KiotaClient", "--exclude-backward-compatible", "--log-level", "Warning"], Generous));
        await File.WriteAllTextAsync(Path.Combine(folder, "Story.csproj"), Project);

        // A project of its own outside the repository (none of its build settings apply); build servers are not kept.
        Succeeded("dotnet build", await ContractTools.RunAsync("dotnet", ["build", Path.Combine(folder, "Story.csproj"), "-nologo", "-v", "q", "--disable-build-servers"], folder, Generous));
        var story = Succeeded("the story", await ContractTools.RunAsync("dotnet", [Path.Combine(folder, "bin", "Debug", "net10.0", "Story.dll"), .. StoryArguments("cs")], folder, Generous));

        Assert.Contains("nswag story passed", story.Output, StringComparison.Ordinal);
        Assert.Contains("kiota story passed", story.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Generated code is not ours: warnings about its nullability or hiding are not the story's. Kiota's runtime
    /// (the packages its C# clients need, as `kiota info -l CSharp` lists them, by part) comes from the NuGet feed.
    /// </summary>
    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>annotations</Nullable>
            <AssemblyName>Story</AssemblyName>
            <NoWarn>$(NoWarn);CS8618;CS8600;CS8601;CS8602;CS8603;CS8604;CS8625;CS0108;CS0114;CS0472;CS1998</NoWarn>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Microsoft.Kiota.Abstractions" Version="2.1.6" />
            <PackageReference Include="Microsoft.Kiota.Http.HttpClientLibrary" Version="2.1.6" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Json" Version="2.1.6" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Text" Version="2.1.6" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Form" Version="2.1.6" />
            <PackageReference Include="Microsoft.Kiota.Serialization.Multipart" Version="2.1.6" />
          </ItemGroup>
        </Project>
        """;

    private string[] StoryArguments(string prefix) =>
        [contract.Server.BaseAddress.ToString().TrimEnd('/'), ApiServer.AdminSecret, $"{prefix}{Guid.NewGuid():N}"[..12]];

    private string Copy(string from, string name)
    {
        var folder = Path.Combine(contract.Scratch, name);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return folder;
    }

    private ToolRun Succeeded(string step, ToolRun run)
    {
        output.WriteLine($"--- {step} ---\n{run.Output}{run.Errors}");
        Assert.True(run.ExitCode == 0, $"{step} failed: {run.Both}");
        return run;
    }
}
