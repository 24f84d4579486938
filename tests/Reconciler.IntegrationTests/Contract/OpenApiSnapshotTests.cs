namespace Reconciler.IntegrationTests.Contract;

/// <summary>
/// The document as served, compared with the approved copy in the repository (openapi.approved.json beside this
/// file), so that every change of the contract shows in review. On a difference the test fails with a unified
/// diff and writes openapi.received.json beside the approved file: to accept the change, move it over the approved
/// one (docs/decisions/0002-approved-files-instead-of-verify.md).
/// </summary>
public sealed class OpenApiSnapshotTests(ContractServerFixture contract) : IClassFixture<ContractServerFixture>
{
    private static string Folder => Path.Combine(ContractTools.RepositoryRoot, "tests", "Reconciler.IntegrationTests", "Contract");

    [Fact]
    public Task Given_the_approved_document_when_the_server_serves_its_document_then_they_are_the_same() =>
        ApprovedFile.VerifyAsync(Folder, "openapi", "json", contract.DocumentText, "The OpenAPI document");
}
