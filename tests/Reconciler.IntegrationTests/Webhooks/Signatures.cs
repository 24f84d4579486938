using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>Checks a delivery's signatures independently of the server's code.</summary>
public static class Signatures
{
    /// <summary>Both signatures hold for <paramref name="secret"/>: Standard Webhooks by the StandardWebhooks package, Reconciler-Signature by hand.</summary>
    public static void AssertValid(WebhookReceiver.Request request, string secret)
    {
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = request.WebhookId,
            ["webhook-timestamp"] = request.Timestamp,
            ["webhook-signature"] = request.Signature,
        };
        new StandardWebhook(secret).Verify(request.Body, headers);
        Assert.Contains(BodySignature(request.Body, secret), request.BodySignature.Split(' '));
    }

    public static string BodySignature(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]), Encoding.UTF8.GetBytes(body)));
}
