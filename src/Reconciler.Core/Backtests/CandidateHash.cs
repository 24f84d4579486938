using System.Security.Cryptography;
using System.Text;
using Reconciler.Core.Policies;

namespace Reconciler.Core.Backtests;

/// <summary>
/// Names a candidate policy by its content: a SHA-256 of its normal form (<see cref="PolicyWriter"/>), so the same policy
/// written with other spacing, key order or comments is the same candidate. The CLI computes it before storing a policy, to
/// find the last backtest of exactly that policy.
/// </summary>
public static class CandidateHash
{
    public static string Of(TruthPolicy policy) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(PolicyWriter.Write(policy))));
}
