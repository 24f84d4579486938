using System.ComponentModel;

namespace Reconciler.Api.OpenApi;

/// <summary>What <c>GET /v1/policies/{operationType}</c> adds while a run of re-judging under that version is going.</summary>
public sealed partial record StoredPolicyContract
{
    [Description("While a run of re-judging under this version is going; left out otherwise")]
    public PolicyRejudgeApi.RejudgingView? Rejudging { get; init; }
}

[Description("POST /v1/policies/{operationType}/rejudge (optional): the version the caller looked at; when a newer one was stored since, 409.")]
public sealed record RejudgeRequestContract([property: Description("The newest version, as the caller knows it")] int? PolicyVersion);
