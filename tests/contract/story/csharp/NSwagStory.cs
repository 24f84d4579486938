using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Story.NSwag;

namespace Story.NSwag
{
    public partial class ReconcilerClient
    {
        // The document says an optional field is left out when unset; NSwag's default writes null instead.
        static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings) =>
            settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}

namespace Story
{
    /// <summary>The story of docs/api.md with the client NSwag generates: no casts, only what the document types.</summary>
    public static class NSwagStory
    {
        public static async Task RunAsync(Uri baseUrl, string adminKey, string run)
        {
            var admin = Client(baseUrl, adminKey);
            var type = $"nswag-{run}";
            var operationId = $"nswag-order-{run}";

            // A policy with expectations (a facet's state, and an outcome), an unowned facet, exact and tolerant attributes.
            var policy = new PolicyContract
            {
                GraceSeconds = 0,
                Facets = new Dictionary<string, FacetContract>
                {
                    ["payment"] = new()
                    {
                        Owner = "payment-gateway",
                        States = ["authorized", "captured", "refunded"],
                        Attributes = new Dictionary<string, AttributeContract> { ["amount"] = new() { Type = "decimal", Tolerance = "0.01" }, ["currency"] = new() { Type = "exact" } },
                    },
                    ["ledger"] = new() { Owner = "erp", States = ["recorded", "reversed"], Attributes = new Dictionary<string, AttributeContract> { ["amount"] = new() { Type = "decimal" } } },
                    ["notification"] = new() { States = ["sent"] },
                },
                Matches = [new MatchContract { Attribute = "amount", Facets = ["payment", "ledger"], Tolerance = "0.5%" }],
                Expectations =
                [
                    new ExpectationContract { When = new() { Facet = "payment", State = "captured" }, Expect = new() { Facet = "ledger", State = "recorded" }, Within = "PT10M" },
                    new ExpectationContract { When = new() { Facet = "notification", State = "sent" }, Expect = new() { Outcome = "succeeded" }, Within = "PT10M" },
                ],
                Outcomes =
                [
                    new OutcomeRuleContract { Outcome = "failed", When = new Dictionary<string, ICollection<string>> { ["payment"] = ["refunded"] } },
                    new OutcomeRuleContract { Outcome = "succeeded", When = new Dictionary<string, ICollection<string>> { ["payment"] = ["captured"], ["ledger"] = ["recorded"] } },
                ],
            };
            var put = await admin.PutPolicyAsync(type, rejudge: null, body: policy);
            Check(put.Version == 1, $"policy version {put.Version}");
            var stored = await admin.GetPolicyAsync(type, version: null);
            Check(stored.Facets["notification"].Owner is null, "the unowned facet's owner is null");

            // Keys.
            var gateway = Client(baseUrl, (await admin.CreateKeyAsync(new KeyRequestContract { Role = "source", Source = "payment-gateway" })).Key);
            var erp = Client(baseUrl, (await admin.CreateKeyAsync(new KeyRequestContract { Role = "source", Source = "erp" })).Key);
            var resolver = Client(baseUrl, (await admin.CreateKeyAsync(new KeyRequestContract { Role = "resolver", Name = "rita" })).Key);

            // One signal, then a batch.
            var one = await gateway.PostSignalsAsync(new SignalsBodyContract
            {
                OperationId = operationId, OperationType = type, SignalId = $"g-{run}", Facet = "payment", State = "captured",
                Attributes = new Dictionary<string, object> { ["amount"] = "129.90", ["currency"] = "EUR" },
            });
            Check(one.Results.Single().Status == "accepted", "one signal accepted");
            var batch = await erp.PostSignalsAsync(new SignalsBodyContract
            {
                Signals =
                [
                    new SignalContract { OperationId = operationId, OperationType = type, SignalId = $"e-{run}", Facet = "ledger", State = "recorded", Attributes = new Dictionary<string, object> { ["amount"] = "129.00" } },
                    new SignalContract { OperationId = operationId, OperationType = type, SignalId = $"n-{run}", Facet = "notification", State = "sent" },
                ],
            });
            Check(batch.Results.Count == 2 && batch.Results.All(r => r.Status == "accepted"), "the batch accepted");

            // The truth.
            var truth = await admin.GetOperationAsync(operationId, at: null, version: null);
            Check(truth.Facets["payment"].State == "captured", "payment is captured");
            Check(truth.Facets["notification"].Basis == "provisional", "the unowned facet is provisional");
            long version = truth.Version;
            Check(version >= 3, $"version {version}");

            // The conflicts list, with the amounts that differ, keyed by source.
            ConflictRecordContract? conflict = null;
            for (var attempt = 0; attempt < 100 && conflict is null; attempt++)
            {
                var page = await admin.ListConflictsAsync(kind: "attribute-mismatch", status: null, severity: null, source: null, facet: null, operationType: null,
                    operationId: operationId, from: null, to: null, cause: null, assignee: null, overdue: null, acknowledged: null, snoozed: null, cursor: null, limit: null, format: null);
                conflict = page.Items.FirstOrDefault();
                if (conflict is null)
                {
                    await Task.Delay(100);
                }
            }
            Check(conflict is not null, "an attribute-mismatch conflict opened");
            var difference = conflict!.Differences.First();
            Check(difference.Field == "amount" && difference.Values["erp"].ToString() == "129.00" && difference.Values["payment-gateway"].ToString() == "129.90",
                $"differences: {JsonSerializer.Serialize(conflict.Differences)}");

            // Resolve it.
            var resolved = await resolver.ResolveConflictAsync(conflict.ConflictId, new ResolveRequestContract { Resolution = "accepted", Reason = "the ledger rounds" });
            Check(resolved.Status == "resolved" && resolved.ResolvedBy == "rita", $"resolved: {resolved.Status} by {resolved.ResolvedBy}");
        }

        private static ReconcilerClient Client(Uri baseUrl, string key)
        {
            var http = new HttpClient { BaseAddress = baseUrl };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return new ReconcilerClient(http);
        }

        private static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException($"nswag story failed: {what}");
            }
        }
    }
}
