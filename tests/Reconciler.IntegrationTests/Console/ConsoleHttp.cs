using System.Net;
using System.Text.RegularExpressions;

namespace Reconciler.IntegrationTests.Console;

/// <summary>The console over plain HTTP, as a browser would use it: a cookie jar, forms with their antiforgery token, no redirects followed.</summary>
public static partial class ConsoleHttp
{
    /// <summary>A client with a cookie jar that follows no redirect, so tests see each 302.</summary>
    public static HttpClient Client(Uri baseAddress, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>Signs in with the form of /console/sign-in; returns the answer to the POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string key)
    {
        var token = AntiforgeryToken(await client.GetStringAsync("/console/sign-in"));
        return await client.PostAsync("/console/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "sign-in",
            ["Key"] = key,
            ["ReturnUrl"] = "/console",
        }));
    }

    /// <summary>A signed-in client; fails the test when the sign-in is refused.</summary>
    public static async Task<HttpClient> SignedInAsync(Uri baseAddress, string key, CookieContainer? cookies = null)
    {
        var client = Client(baseAddress, cookies);
        var response = await SignInAsync(client, key);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    public static string AntiforgeryToken(string html)
    {
        var match = TokenField().Match(html);
        Assert.True(match.Success, "the page has no antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
