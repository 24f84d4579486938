using System.Net;
using System.Text;
using Reconciler.Webhooks;
using StandardWebhooks;

namespace Reconciler.IntegrationTests.Webhooks;

/// <summary>The pure parts of webhook delivery, without a database: the retry schedule, the address rules, secrets and signatures.</summary>
public sealed class WebhookPartsTests
{
    [Fact]
    public void Given_the_default_retry_when_attempts_fail_then_the_waits_are_about_5s_30s_2m_10m_30m_1h_then_hourly()
    {
        var waits = Enumerable.Range(1, 8).Select(n => RetryPolicy.Default.NextDelay(n, null, random: 0.5)).ToList();

        Assert.Equal(
            [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromHours(1)],
            waits);
        Assert.Equal(TimeSpan.FromSeconds(4), RetryPolicy.Default.NextDelay(1, null, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(36), RetryPolicy.Default.NextDelay(2, null, random: 1));
        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.Default.NextDelay(6, null, random: 1));
    }

    [Fact]
    public void Given_retry_after_when_scheduling_then_it_is_honoured_up_to_max_delay()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), RetryPolicy.Default.NextDelay(1, TimeSpan.FromSeconds(90), 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), RetryPolicy.Default.NextDelay(2, TimeSpan.FromSeconds(3), 0.5));
        Assert.Equal(TimeSpan.FromHours(1), RetryPolicy.Default.NextDelay(1, TimeSpan.FromDays(2), 0.5));
    }

    [Fact]
    public void Given_attempts_or_age_used_up_when_an_attempt_fails_then_it_parks_and_never_schedules_past_max_age()
    {
        var policy = new RetryPolicy(3, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromMinutes(30));
        var first = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(first.AddMinutes(10), policy.NextAttempt(1, first, first, null, 0.5));
        Assert.Equal(first.AddMinutes(30), policy.NextAttempt(2, first, first.AddMinutes(10), null, 0.5));
        Assert.Null(policy.NextAttempt(3, first, first.AddMinutes(11), null, 0.5));
        Assert.Null(policy.NextAttempt(2, first, first.AddMinutes(30), null, 0.5));
    }

    [Theory]
    [InlineData("8.8.8.8", null)]
    [InlineData("203.0.113.7", null)]
    [InlineData("2001:db8::1", null)]
    [InlineData("127.0.0.1", "loopback-address")]
    [InlineData("127.200.0.1", "loopback-address")]
    [InlineData("::1", "loopback-address")]
    [InlineData("10.0.0.1", "private-address")]
    [InlineData("172.16.0.1", "private-address")]
    [InlineData("172.31.255.255", "private-address")]
    [InlineData("172.32.0.1", null)]
    [InlineData("192.168.1.1", "private-address")]
    [InlineData("100.64.0.1", "private-address")]
    [InlineData("fd00::1", "private-address")]
    [InlineData("169.254.169.254", "link-local-address")]
    [InlineData("fe80::1", "link-local-address")]
    [InlineData("0.0.0.0", "unspecified-address")]
    [InlineData("::", "unspecified-address")]
    [InlineData("224.0.0.1", "multicast-address")]
    [InlineData("255.255.255.255", "reserved-address")]
    [InlineData("::ffff:10.0.0.1", "private-address")]
    [InlineData("64:ff9b::7f00:1", "loopback-address")]
    [InlineData("2002:c0a8:0101::1", "private-address")]
    public void Given_an_address_when_classified_then_private_kinds_are_named(string address, string? rule) =>
        Assert.Equal(rule, WebhookUrlGuard.Classify(IPAddress.Parse(address)));

    [Fact]
    public async Task Given_a_name_that_resolves_to_loopback_when_connecting_without_the_flag_then_the_connection_is_refused()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(async () =>
            await WebhookUrlGuard.ConnectAsync(new WebhookOptions { AllowPrivateTargets = false }, new DnsEndPoint("localhost", 9), CancellationToken.None));

        Assert.Contains("loopback address", error.Message);
        Assert.Contains("--allow-private-webhooks", error.Message);
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_not*base64", "standard base64")]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "holds 21 bytes")]
    public void Given_a_secret_when_checked_then_only_whsec_base64_of_24_to_64_bytes_passes(string secret, string? problem)
    {
        var found = WebhookSecret.Problem(secret);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
        }
        Assert.Null(WebhookSecret.Problem(WebhookSecret.Generate()));
    }

    [Fact]
    public void Given_a_secret_when_signing_then_the_signature_is_what_the_standard_webhooks_library_computes()
    {
        var secret = WebhookSecret.Generate();
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        const string body = """{"eventId":"evt-7","type":"OutcomeDeclared","data":{"amount":"€ 12"}}""";

        var ours = WebhookSignature.Standard("evt-7", timestamp.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(body), [WebhookSecret.KeyBytes(secret)]);

        Assert.Equal(new StandardWebhook(secret).Sign("evt-7", timestamp, body), ours);
        Assert.Equal(Signatures.BodySignature(body, secret), WebhookSignature.Body(Encoding.UTF8.GetBytes(body), [WebhookSecret.KeyBytes(secret)]));
    }

    [Fact]
    public void Given_a_sealed_secret_when_opened_then_only_the_same_key_and_subscription_open_it()
    {
        var box = new SecretBox(new WebhookOptions { SecretsKey = SecretsKey.NewBase64() });
        var other = new SecretBox(new WebhookOptions { SecretsKey = SecretsKey.NewBase64() });
        var secret = WebhookSecret.Generate();

        var sealedBytes = box.Seal(secret, "orders");

        Assert.DoesNotContain(secret["whsec_".Length..], Convert.ToBase64String(sealedBytes));
        Assert.Equal(secret, box.Open(sealedBytes, "orders", box.KeyId));
        Assert.Throws<SecretUnreadableException>(() => box.Open(sealedBytes, "refunds", box.KeyId));
        var wrongKey = Assert.Throws<SecretUnreadableException>(() => other.Open(sealedBytes, "orders", box.KeyId));
        Assert.Contains(box.KeyId, wrongKey.Message);
    }

    [Fact]
    public void Given_no_key_variable_when_the_key_is_first_needed_then_a_0600_key_file_is_created_and_reused()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"reconciler-key-{Guid.NewGuid():N}");
        try
        {
            var options = new WebhookOptions { SecretsKey = null, SecretsKeyFile = Path.Combine(folder, "secrets.key") };

            var first = SecretsKey.Load(options);
            var again = SecretsKey.Load(options);

            Assert.Equal(first.Id, again.Id);
            Assert.Equal(32, first.Bytes.Length);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(options.SecretsKeyFile));
            }
            File.WriteAllText(options.SecretsKeyFile, "short");
            Assert.Throws<InvalidOperationException>(() => SecretsKey.Load(options));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
