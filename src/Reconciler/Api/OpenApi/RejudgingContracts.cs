using System.ComponentModel;

namespace Reconciler.Api.OpenApi;

/// <summary>What <c>GET /v1/policies/{operationType}</c> adds while a run of re-judging under that version is going.</summary>
public sealed partial record StoredPolicyContract
{
    [Description("While a run of re-judging under this version is going; left out otherwise")]
    public PolicyRejudgeApi.RejudgingView? Rejudging { get; init; }
}
