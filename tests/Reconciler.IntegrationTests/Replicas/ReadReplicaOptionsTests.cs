using Reconciler.Cli;

namespace Reconciler.IntegrationTests.Replicas;

/// <summary><c>serve --read-connection</c>, <c>RECONCILER_READ_CONNECTION</c> and <c>--max-replica-lag</c> as read at start.</summary>
public sealed class ReadReplicaOptionsTests
{
    [Fact]
    public void Given_the_variable_with_two_connection_strings_when_no_option_is_given_then_both_are_replicas_in_order()
    {
        var (options, problem) = ReadReplicaOptions.Read([], "Host=a;Port=5433;Database=r;;Host=b;Database=r;", 5);

        Assert.Null(problem);
        Assert.Equal(["Host=a;Port=5433;Database=r", "Host=b;Database=r;"], options!.Connections);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MaxLag);
    }

    [Fact]
    public void Given_options_and_the_variable_when_read_then_the_options_win()
    {
        var (options, _) = ReadReplicaOptions.Read(["Host=x", "Host=y"], "Host=z", 2.5);

        Assert.Equal(["Host=x", "Host=y"], options!.Connections);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.MaxLag);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(7200)]
    public void Given_a_max_lag_out_of_range_when_read_then_the_problem_names_the_option(double seconds)
    {
        var (options, problem) = ReadReplicaOptions.Read(["Host=x"], null, seconds);

        Assert.Null(options);
        Assert.StartsWith("--max-replica-lag:", problem);
    }

    [Fact]
    public void Given_nothing_when_read_then_there_is_no_replica()
    {
        var (options, _) = ReadReplicaOptions.Read(null, null, 5);

        Assert.Empty(options!.Connections);
    }
}
