using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>Checks a delivery's signatures independently of the server's code.</summary>
public static class Signatures
{
    /// <summary>
    /// Both signatures hold for <paramref name="secret"/>: one of the Standard Webhooks signatures by the
    /// StandardWebhooks package, Reconciler-Signature by hand. The package (1.1.2) compares only the first of
    /// several space-separated signatures, so each is given to it alone.
    /// </summary>
    public static void AssertValid(WebhookReceiver.Request request, string secret)
    {
        var verifier = new StandardWebhook(secret);
        var verified = request.Signature.Split(' ').Count(signature =>
        {
            try
            {
                verifier.Verify(request.Body, new HeaderDictionary
                {
                    ["webhook-id"] = request.WebhookId,
                    ["webhook-timestamp"] = request.Timestamp,
                    ["webhook-signature"] = signature,
                });
                return true;
            }
            catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
            {
                return false;
            }
        });
        Assert.True(verified == 1, $"{request.WebhookId}: one webhook-signature of '{request.Signature}' verifies with the secret");
        Assert.Contains(BodySignature(request.Body, secret), request.BodySignature.Split(' '));
    }

    public static string BodySignature(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]), Encoding.UTF8.GetBytes(body)));
}
