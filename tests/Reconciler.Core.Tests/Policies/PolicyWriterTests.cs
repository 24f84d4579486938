using Reconciler.Core.Policies;

namespace Reconciler.Core.Tests.Policies;

public sealed class PolicyWriterTests
{
    [Fact]
    public void Given_a_small_policy_when_written_then_it_has_the_domain_shape_with_defaults_left_out()
    {
        var policy = PolicyReader.Read("""
            {
              "facets": { "pay": { "states": ["ok", "no"], "transitions": { "ok": ["no"] }, "graceSeconds": 5, "effect": "once" },
                          "mail": { "owner": "email", "states": ["sent"] } },
              "operationType": "tiny",
              "outcomes": [ { "when": { "mail": ["sent"], "pay": ["ok"] }, "outcome": "succeeded" } ],
              "expectations": [ { "within": "P1W", "expect": { "outcome": "succeeded" }, "when": { "state": "ok", "facet": "pay" } } ]
            }
            """).Policy!;

        var written = PolicyWriter.Write(policy);

        Assert.Equal(
            """
            {
              "operationType": "tiny",
              "graceSeconds": 300,
              "facets": {
                "pay": {
                  "owner": null,
                  "states": [
                    "ok",
                    "no"
                  ],
                  "transitions": {
                    "ok": [
                      "no"
                    ]
                  },
                  "graceSeconds": 5,
                  "effect": "once"
                },
                "mail": {
                  "owner": "email",
                  "states": [
                    "sent"
                  ]
                }
              },
              "expectations": [
                {
                  "when": {
                    "facet": "pay",
                    "state": "ok"
                  },
                  "expect": {
                    "outcome": "succeeded"
                  },
                  "within": "P1W"
                }
              ],
              "outcomes": [
                {
                  "outcome": "succeeded",
                  "when": {
                    "pay": [
                      "ok"
                    ],
                    "mail": [
                      "sent"
                    ]
                  }
                }
              ]
            }
            """.ReplaceLineEndings("\n"),
            written.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Given_an_expectation_whose_text_disagrees_with_its_duration_when_written_then_the_duration_wins()
    {
        var policy = PolicyReader.Read(PolicySamples.Order).Policy!;
        var changed = policy with { Expectations = policy.Expectations.SetItem(0, policy.Expectations[0] with { Within = TimeSpan.FromMinutes(15) }) };

        var json = PolicyWriter.ToJson(changed);

        Assert.Equal("PT15M", json.GetProperty("expectations")[0].GetProperty("within").GetString());
    }
}
