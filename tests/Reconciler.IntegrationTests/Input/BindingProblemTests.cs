using Reconciler.Http;

namespace Reconciler.IntegrationTests.Input;

/// <summary>A query value the framework cannot bind is described by parameter, expected type and value.</summary>
public sealed class BindingProblemTests
{
    [Theory]
    [InlineData("Failed to bind parameter \"Nullable<int> limit\" from \"1e3\".", "The query parameter 'limit' must be a whole number such as 100, not '1e3'")]
    [InlineData("Failed to bind parameter \"long? fromVersion\" from \"\".", "The query parameter 'fromVersion' must be a whole number such as 100, not ''")]
    [InlineData("Failed to bind parameter \"Nullable<double> waitSeconds\" from \"NaNx\".", "The query parameter 'waitSeconds' must be a number such as 2.5, not 'NaNx'")]
    public void Given_a_binding_failure_when_described_then_the_parameter_and_its_type_are_named(string message, string expected) =>
        Assert.StartsWith(expected, BindingProblem.Describe(message));

    [Fact]
    public void Given_another_message_when_described_then_it_is_kept() =>
        Assert.Equal("Unexpected end of request content.", BindingProblem.Describe("Unexpected end of request content."));
}
